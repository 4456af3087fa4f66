"""Every form with an account picker: one account_id field, a picked suggestion is what gets
linked, an exact name links, a near name shows the candidates (nothing written) until the
user picks one or confirms a new account."""

import re

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import (
    Account,
    Contact,
    Lead,
    Opportunity,
    OpportunityAccount,
    PluginEnablement,
)

HX = {"HX-Request": "true"}


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def account_id_fields(html: str) -> int:
    return len(re.findall(r'name="account_id"', html))


@pytest.fixture
def fiume(app):
    return factories.account("Fiume Foods", city="Torino")


def asks_about(html: str, account: Account) -> bool:
    """The page lists ``account`` to pick and offers to confirm a new one."""
    return (
        "data-account-matches" in html
        and f'data-pick-account="{account.id}"' in html
        and 'name="account_confirm_new"' in html
    )


# --- New deal: the full form and the navbar dialog -----------------------------------------


@pytest.mark.parametrize("headers", [{}, HX], ids=["full form", "dialog"])
def test_new_deal_form_has_one_account_id_and_links_the_picked_account(
    client, auth, sales_user, pipeline, fiume, headers
):
    auth.login(sales_user)
    form = client.get("/opportunities/new", headers=headers).text
    assert account_id_fields(form) == 1
    prefilled = client.get(f"/opportunities/new?account_id={fiume.id}", headers=headers).text
    assert account_id_fields(prefilled) == 1
    before = count(Account)
    response = client.post(
        "/opportunities/new",
        data={
            "name": "Picked",
            "account_id": str(fiume.id),
            "account_name": "Fiume Foods",
            "stage_id": str(pipeline.stages[0].id),
        },
        headers=headers,
    )
    assert response.status_code in (204, 302)
    deal = db.session.scalars(select(Opportunity).where(Opportunity.name == "Picked")).one()
    assert deal.account_id == fiume.id and count(Account) == before


@pytest.mark.parametrize("headers", [{}, HX], ids=["full form", "dialog"])
def test_new_deal_form_asks_on_a_near_name_then_creates_when_confirmed(
    client, auth, sales_user, pipeline, fiume, headers
):
    auth.login(sales_user)
    data = {
        "name": "Near",
        "account_id": "",
        "account_name": "Fiume Foods srl",
        "stage_id": str(pipeline.stages[0].id),
    }
    accounts, deals = count(Account), count(Opportunity)
    response = client.post("/opportunities/new", data=data, headers=headers)
    assert response.status_code == (422 if headers else 200)
    assert asks_about(response.text, fiume) and 'value="Fiume Foods srl"' in response.text
    assert "similar name" in response.text and account_id_fields(response.text) == 1
    assert (count(Account), count(Opportunity)) == (accounts, deals)

    response = client.post(
        "/opportunities/new", data={**data, "account_confirm_new": "1"}, headers=headers
    )
    assert response.status_code in (204, 302)
    deal = db.session.scalars(select(Opportunity).where(Opportunity.name == "Near")).one()
    assert deal.account.name == "Fiume Foods srl" and count(Account) == accounts + 1


def test_new_deal_with_several_accounts_of_that_name_asks_which(
    client, auth, sales_user, pipeline, fiume
):
    twin = factories.account("FIUME FOODS", city="Milano")
    auth.login(sales_user)
    accounts = count(Account)
    response = client.post(
        "/opportunities/new",
        data={"name": "Twin", "account_name": "fiume foods", "stage_id": pipeline.stages[0].id},
    )
    html = response.text
    assert "Several accounts" in html
    assert f'data-pick-account="{fiume.id}"' in html and f'data-pick-account="{twin.id}"' in html
    assert 'name="account_confirm_new"' not in html  # the same name is never created twice
    assert count(Account) == accounts and count(Opportunity) == 0


# --- Board quick create ---------------------------------------------------------------------


def test_quick_create_links_by_name_and_asks_on_a_near_name(
    client, auth, sales_user, pipeline, fiume
):
    auth.login(sales_user)
    stage = pipeline.stages[0]
    url = f"/pipelines/{pipeline.id}/board/stages/{stage.id}/deals"
    board = client.get("/board").text
    column = board.split(f'id="quick-{stage.id}"')[1].split("</details>")[0]
    assert account_id_fields(column) == 1
    accounts = count(Account)
    response = client.post(
        url, data={"name": "Exact", "account_id": "", "account_name": "fiume foods"}, headers=HX
    )
    assert response.status_code == 201
    response = client.post(
        url, data={"name": "Near", "account_id": "", "account_name": "Fiume Fods"}, headers=HX
    )
    assert response.status_code == 422 and asks_about(response.text, fiume)
    names = {d.name: d.account_id for d in db.session.scalars(select(Opportunity))}
    assert names == {"Exact": fiume.id} and count(Account) == accounts


# --- The gate dialog ------------------------------------------------------------------------


class AccountGate:
    """A test plugin: the second stage needs an account."""

    @hookimpl
    def opportunity_stage_changing(self, opportunity, from_stage, to_stage, user):
        if to_stage.position >= 1 and opportunity.account_id is None:
            return [{"message": "Account", "field": "account_id"}]
        return []


def test_gate_dialog_links_by_name_and_asks_on_a_near_name(
    app, client, auth, sales_user, pipeline, create_opportunity, fiume
):
    app.extensions["opportuno.plugins"].pm.register(AccountGate(), name="test_account_gate")
    db.session.add(
        PluginEnablement(business_line_id=pipeline.business_line_id, plugin="test_account_gate")
    )
    db.session.commit()
    opp = create_opportunity(name="Gated")
    auth.login(sales_user)
    move = {"stage_id": pipeline.stages[1].id, "board": "1", "filters": "owner=all"}
    dialog = client.post(f"/opportunities/{opp.id}/stage", data={**move, "version": 1}, headers=HX)
    assert dialog.status_code == 422 and account_id_fields(dialog.text) == 1
    accounts = count(Account)
    answer = {**move, "dialog": "1", "field": "account_id", "account_id": ""}
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={**answer, "version": 1, "account_name": "Fiume Foods S.r.l."},
        headers=HX,
    )
    assert response.status_code == 422 and asks_about(response.text, fiume)
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).version == 1 and count(Account) == accounts
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={**answer, "version": 1, "account_name": "FIUME foods"},
        headers=HX,
    )
    assert response.status_code == 200
    db.session.expire_all()
    moved = db.session.get(Opportunity, opp.id)
    assert (moved.account_id, moved.stage_id) == (fiume.id, pipeline.stages[1].id)
    assert count(Account) == accounts


# --- Partners and competitors ---------------------------------------------------------------


def test_partner_picker_links_by_name_and_asks_on_a_near_name(
    client, auth, sales_user, create_opportunity, fiume
):
    opp = create_opportunity(name="With partners")
    auth.login(sales_user)
    page = client.get(f"/opportunities/{opp.id}").text
    partners = page.split(f'action="/opportunities/{opp.id}/partners"')[1].split("</form>")[0]
    assert account_id_fields(partners) == 1
    accounts = count(Account)
    url = f"/opportunities/{opp.id}/partners"
    response = client.post(
        url, data={"account_id": "", "account_name": "Fiume Foods Ltd"}, headers=HX
    )
    assert response.status_code == 422 and asks_about(response.text, fiume)
    assert count(OpportunityAccount) == 0 and count(Account) == accounts
    response = client.post(url, data={"account_id": "", "account_name": "fiume-foods"}, headers=HX)
    assert response.status_code == 200
    links = db.session.scalars(select(OpportunityAccount)).all()
    assert [(link.account_id, link.role) for link in links] == [(fiume.id, "partner")]
    assert count(Account) == accounts


# --- Lead conversion, contacts, new account -------------------------------------------------


def test_lead_conversion_asks_on_a_near_name(client, auth, sales_user, pipeline, fiume):
    lead = Lead(last_name="Rossi", company="Fiume Foods S.p.A.", owner=sales_user)
    db.session.add(lead)
    db.session.commit()
    auth.login(sales_user)
    page = client.get(f"/leads/{lead.id}/convert").text
    assert account_id_fields(page) == 1
    accounts = count(Account)
    response = client.post(
        f"/leads/{lead.id}/convert",
        data={
            "account_id": "",
            "account_name": "Fiume Foods S.p.A.",
            "name": "From lead",
            "stage_id": pipeline.stages[0].id,
        },
    )
    assert response.status_code == 422 and asks_about(response.text, fiume)
    assert count(Account) == accounts and count(Opportunity) == 0 and count(Contact) == 0


def test_contact_form_links_by_name_and_asks_on_a_near_name(client, auth, sales_user, fiume):
    auth.login(sales_user)
    assert account_id_fields(client.get("/contacts/new").text) == 1
    accounts = count(Account)
    data = {"first_name": "Anna", "last_name": "Rossi", "account_id": ""}
    response = client.post("/contacts/new", data={**data, "account_name": "Fiume Foods GmbH"})
    assert response.status_code == 422 and asks_about(response.text, fiume)
    assert count(Contact) == 0 and count(Account) == accounts
    response = client.post("/contacts/new", data={**data, "account_name": "FIUME FOODS"})
    assert response.status_code == 302
    assert db.session.scalars(select(Contact)).one().account_id == fiume.id
    assert count(Account) == accounts


def test_new_account_form_lists_near_accounts_and_creates_when_confirmed(
    client, auth, sales_user, fiume
):
    auth.login(sales_user)
    accounts = count(Account)
    response = client.post("/accounts/new", data={"name": "Fiume Foods SRL"})
    assert response.status_code == 422
    assert (
        f"/accounts/{fiume.id}" in response.text and 'name="account_confirm_new"' in response.text
    )
    assert count(Account) == accounts
    response = client.post(
        "/accounts/new", data={"name": "Fiume Foods SRL", "account_confirm_new": "1"}
    )
    assert response.status_code == 302 and count(Account) == accounts + 1


def test_the_warning_links_to_merging_the_duplicates_for_managers(
    client, auth, manager, pipeline, fiume
):
    dupe = factories.account("Fiume Foods srl")
    auth.login(manager)
    response = client.post(
        "/opportunities/new",
        data={"name": "Near", "account_name": "Fiume Foods Ltd", "stage_id": pipeline.stages[0].id},
    )
    assert f"/accounts/{fiume.id}/merge?other={dupe.id}" in response.text


def test_contact_form_asks_before_creating_a_likely_duplicate_contact(
    client, auth, sales_user, fiume
):
    anna = factories.contact(fiume, "Rossi", first_name="Anna", email="anna@fiume.example")
    auth.login(sales_user)
    same_name = {"first_name": "ANNA", "last_name": "rossi", "account_id": str(fiume.id)}
    response = client.post("/contacts/new", data=same_name)
    assert response.status_code == 422 and "data-contact-matches" in response.text
    assert f"/contacts/{anna.id}" in response.text and 'value="ANNA"' in response.text
    same_email = {"last_name": "Verdi", "email": "anna@FIUME.example"}
    response = client.post("/contacts/new", data=same_email)
    assert response.status_code == 422 and f"/contacts/{anna.id}" in response.text
    assert count(Contact) == 1
    # Another person of the same name elsewhere is no duplicate; confirming creates.
    assert (
        client.post("/contacts/new", data={"first_name": "Anna", "last_name": "Rossi"}).status_code
        == 302
    )
    response = client.post("/contacts/new", data={**same_name, "contact_confirm_new": "1"})
    assert response.status_code == 302 and count(Contact) == 3
