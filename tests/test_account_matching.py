"""Accounts are never duplicated by accident: the matching service behind every form that
links or creates an account from a typed name (read back from the database)."""

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.accounts import matching
from webapp.accounts.services import create_account
from webapp.board import gate
from webapp.contacts.services import create_contact
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.leads.services import convert_lead
from webapp.models import Account, Contact, Lead, Opportunity, OpportunityAccount
from webapp.models.names import core_key, name_key
from webapp.opportunities import relations, services
from webapp.transactions import intent


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("fiume foods", "Fiume Foods"),
        ("  FIUME   FOODS ", "Fiume Foods"),
        ("Fiume-Foods", "Fiume Foods"),
        ("Caffè Müller", "Caffe Muller"),
        ("acme s.p.a.", "Acme S.p.A."),
        ("STRASSE AG", "Straße AG"),
    ],
)
def test_the_same_name_whatever_case_accents_punctuation_and_spacing(typed, stored):
    assert name_key(typed) == name_key(stored)


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("Fiume Foods srl", "fiumefoods"),
        ("Fiume Foods S.r.l.", "fiumefoods"),
        ("Fiume Foods S. r. l.", "fiumefoods"),
        ("Fiume Foods & C. s.n.c.", "fiumefoods"),
        ("Fiume Foods Ltd.", "fiumefoods"),
        ("Fiume Foods, Inc.", "fiumefoods"),
        ("Fiume Foods GmbH", "fiumefoods"),
        ("Fiume Foods LLC", "fiumefoods"),
        ("Fiume Foods SpA", "fiumefoods"),
        ("Inc", "inc"),  # only a legal form: the name itself
    ],
)
def test_legal_forms_are_left_out_of_the_core_name(name, core):
    assert core_key(name) == core


def test_the_keys_follow_the_name_on_insert_and_update(app):
    account = factories.account("Fiume Foods S.r.l.")
    assert (account.name_key, account.core_key) == ("fiumefoodssrl", "fiumefoods")
    account.name = "Lago Foods"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Account, account.id).name_key == "lagofoods"
    anna = factories.contact(account, "Rossi", first_name="Anna")
    assert anna.name_key == "annarossi"


def test_exact_name_links_the_existing_account_in_every_deal_form(
    create_opportunity, sales_user, pipeline
):
    fiume = factories.account("Fiume Foods", city="Torino")
    before = count(Account)
    deal = create_opportunity(name="A", account_name="  fiume FOODS ")
    assert deal.account_id == fiume.id
    assert count(Account) == before


def test_a_picked_account_wins_over_the_typed_name(create_opportunity):
    fiume = factories.account("Fiume Foods")
    before = count(Account)
    deal = create_opportunity(name="A", account_id=str(fiume.id), account_name="Fiume")
    assert deal.account_id == fiume.id
    assert count(Account) == before


def test_several_accounts_with_the_name_ask_which_one(create_opportunity):
    factories.account("Arya Consulting")
    factories.account("ARYA consulting")  # older data may hold both
    accounts, deals = count(Account), count(Opportunity)
    with pytest.raises(ValidationError) as caught:
        create_opportunity(name="A", account_name="Arya Consulting")
    assert "Several accounts" in caught.value.errors["account_name"]
    db.session.rollback()
    assert (count(Account), count(Opportunity)) == (accounts, deals)


@pytest.mark.parametrize("typed", ["Fiume Foods srl", "Fiume Foods S.p.A.", "Fiume Fods", "Fiume"])
def test_a_near_name_warns_and_writes_nothing_until_confirmed(create_opportunity, typed):
    fiume = factories.account("Fiume Foods", city="Torino")
    accounts, deals = count(Account), count(Opportunity)
    with pytest.raises(ValidationError) as caught:
        create_opportunity(name="A", account_name=typed)
    assert "similar name" in caught.value.errors["account_name"]
    db.session.rollback()
    assert (count(Account), count(Opportunity)) == (accounts, deals)
    assert matching.matches(typed).near == [fiume]

    deal = create_opportunity(name="A", account_name=typed, account_confirm_new="1")
    assert deal.account.name == typed and deal.account_id != fiume.id
    assert count(Account) == accounts + 1


def test_unrelated_and_numbered_names_are_not_near(app):
    factories.account("Fiume Foods")
    factories.account("Studio 54")
    assert matching.near_matches("Verde Pharma") == []
    assert matching.near_matches("Studio 55") == []
    assert matching.near_matches("Fiume Foods 2") == []


def test_a_merged_account_picked_from_a_stale_list_links_its_survivor(create_opportunity):
    survivor = factories.account("Fiume Foods")
    merged = factories.account("Fiume Foods srl")
    merged.deleted_at, merged.merged_into_id = survivor.created_at, survivor.id
    db.session.commit()
    deal = create_opportunity(name="A", account_id=str(merged.id))
    assert deal.account_id == survivor.id


def test_inline_account_edit_links_by_name(create_opportunity, sales_user):
    deal = create_opportunity(name="A")
    fiume = factories.account("Fiume Foods")
    before = count(Account)
    services.update_opportunity(
        sales_user, deal, {"account_id": "", "account_name": "FIUME foods"}, deal.version
    )
    assert db.session.get(Opportunity, deal.id).account_id == fiume.id
    assert count(Account) == before


def test_partner_and_competitor_pickers_link_by_name_and_warn_on_near(
    create_opportunity, sales_user
):
    deal = create_opportunity(name="A")
    fiume = factories.account("Fiume Foods")
    before = count(Account)
    relations.add_account(sales_user, deal, "partner", {"account_name": "fiume foods"})
    links = db.session.scalars(select(OpportunityAccount)).all()
    assert [(link.account_id, link.role) for link in links] == [(fiume.id, "partner")]
    with pytest.raises(ValidationError) as caught:
        relations.add_account(sales_user, deal, "competitor", {"account_name": "Fiume Foods Ltd"})
    assert "similar name" in caught.value.errors["account_id"]
    db.session.rollback()
    assert count(Account) == before and count(OpportunityAccount) == 1


def test_contact_form_links_the_account_by_name(sales_user):
    fiume = factories.account("Fiume Foods")
    before = count(Account)
    anna = create_contact(sales_user, {"last_name": "Rossi", "account_name": "Fiume  foods"})
    assert anna.account_id == fiume.id and count(Account) == before
    with pytest.raises(ValidationError) as caught:
        create_contact(sales_user, {"last_name": "Bianchi", "account_name": "Fiume Foods srl"})
    assert "similar name" in caught.value.errors["account_name"]
    db.session.rollback()
    assert count(Account) == before and count(Contact) == 1


def test_gate_dialog_links_the_account_by_name(create_opportunity, sales_user):
    deal = create_opportunity(name="A")
    fiume = factories.account("Fiume Foods")
    before = count(Account)
    form = {"account_id": "", "account_name": "fiume foods"}
    with intent():  # the gate's answers are part of the move's transaction
        gate.fill(sales_user, deal, form, ["account_id"])
    assert db.session.get(Opportunity, deal.id).account_id == fiume.id
    assert count(Account) == before
    with pytest.raises(ValidationError) as caught, intent():
        gate.fill(sales_user, deal, {"account_name": "Fiume Fods"}, ["account_id"])
    assert "similar name" in caught.value.errors["account_id"]


def test_lead_conversion_asks_on_a_near_name(sales_user, pipeline):
    factories.account("Fiume Foods")
    lead = Lead(last_name="Rossi", company="Fiume Foods srl", owner=sales_user)
    db.session.add(lead)
    db.session.commit()
    accounts = count(Account)
    data = {"name": "Deal", "account_name": "Fiume Foods srl", "stage_id": pipeline.stages[0].id}
    with pytest.raises(ValidationError) as caught:
        convert_lead(sales_user, lead, data)
    assert "similar name" in caught.value.errors["account_name"]
    assert count(Account) == accounts and count(Contact) == 0
    deal = convert_lead(sales_user, lead, {**data, "account_confirm_new": "1"})
    assert deal.account.name == "Fiume Foods srl" and count(Account) == accounts + 1


def test_new_account_form_refuses_the_same_name_and_asks_on_a_near_one(sales_user):
    factories.account("Fiume Foods")
    before = count(Account)
    with pytest.raises(ValidationError) as caught:
        create_account(sales_user, {"name": "FIUME-FOODS"})
    assert "already exists" in caught.value.errors["name"]
    with pytest.raises(ValidationError) as caught:
        create_account(sales_user, {"name": "Fiume Foods GmbH"})
    assert "similar name" in caught.value.errors["name"]
    db.session.rollback()
    assert count(Account) == before
    create_account(sales_user, {"name": "Fiume Foods GmbH", "account_confirm_new": "1"})
    assert count(Account) == before + 1


def test_near_lookup_reads_a_bounded_number_of_rows(app, count_queries):
    """Many accounts sharing a prefix: one submit runs a fixed number of indexed queries
    (exact, 3 bounded neighbour reads of key columns, the few found by id), whatever the
    number of accounts."""
    db.session.execute(
        Account.__table__.insert(),
        [
            {"name": f"Fiume {i:05d}", "name_key": f"fiume{i:05d}", "core_key": f"fiume{i:05d}"}
            for i in range(3000)
        ],
    )
    db.session.commit()
    factories.account("Fiume Foods")
    with count_queries() as queries:
        found = matching.matches("Fiume Fods")
    assert [a.name for a in found.near] == ["Fiume Foods"]
    assert len(queries) == 5
    assert all("LIMIT" in q.upper() or "accounts.id IN" in q for q in queries)
