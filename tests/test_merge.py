"""Merging duplicate accounts and contacts: everything moves to the survivor, the merged
record goes to the trash pointing to it, nothing is lost; admins and managers only."""

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.accounts.merge import merge_accounts
from webapp.contacts.merge import merge_contacts
from webapp.errors import NotFound, PermissionDenied, ValidationError
from webapp.extensions import db
from webapp.models import (
    Account,
    Activity,
    Contact,
    Lead,
    Note,
    Opportunity,
    OpportunityAccount,
    OpportunityContact,
    TimelineEntry,
)
from webapp.opportunities import activities, notes, relations

HX = {"HX-Request": "true"}


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def pair(create_opportunity, sales_user):
    """Fiume Foods (survivor) and Fiume Foods srl (duplicate), each with deals, a contact,
    a lead, a partner link; one deal has both as partner."""
    keep = factories.account("Fiume Foods", city="Torino", owner=sales_user)
    dupe = factories.account(
        "Fiume Foods srl", phone="+39 011 1234", website="https://fiume.example"
    )
    kept_deal = create_opportunity(name="Kept deal", account_id=str(keep.id))
    moved = [create_opportunity(name=f"Moved {i}", account_id=str(dupe.id)) for i in range(2)]
    contact = factories.contact(dupe, "Rossi", first_name="Anna")
    relations.add_account(sales_user, kept_deal, "partner", {"account_id": str(dupe.id)})
    other = create_opportunity(name="Other", account_name="Lago Spa")
    relations.add_account(sales_user, other, "partner", {"account_id": str(keep.id), "note": "A"})
    relations.add_account(sales_user, other, "partner", {"account_id": str(dupe.id), "note": "B"})
    notes.add_note(sales_user, moved[0], "Met them at the fair")
    activities.create_activity(sales_user, moved[0], {"subject": "Call back"})
    lead = Lead(last_name="Verdi", company="Fiume Foods srl", account_id=dupe.id)
    db.session.add(lead)
    db.session.commit()
    return keep, dupe, moved, contact, lead, other


def test_merge_accounts_moves_everything_and_trashes_the_duplicate(pair, manager):
    keep, dupe, moved, contact, lead, other = pair
    timeline = count(TimelineEntry)
    versions = {d.id: d.version for d in moved}
    before = {
        "accounts": count(Account),
        "deals": count(Opportunity),
        "notes": count(Note),
        "activities": count(Activity),
    }

    counts = merge_accounts(manager, keep, dupe, take=["phone", "website"])

    assert (counts.deals, counts.links, counts.contacts, counts.leads) == (2, 2, 1, 1)
    db.session.expire_all()
    assert {d.account_id for d in db.session.scalars(select(Opportunity))} == {
        keep.id,
        other.account_id,
    }
    assert db.session.get(Contact, contact.id).account_id == keep.id
    assert db.session.get(Lead, lead.id).account_id == keep.id
    for deal in moved:  # one version step each, the merge on each timeline
        assert db.session.get(Opportunity, deal.id).version == versions[deal.id] + 1
        entry = db.session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.opportunity_id == deal.id, TimelineEntry.action == "merged"
            )
        ).one()
        assert (entry.old_value, entry.new_value) == ("Fiume Foods srl", "Fiume Foods")
    # A deal with both as partner keeps one link, with both notes.
    links = db.session.scalars(
        select(OpportunityAccount).where(OpportunityAccount.opportunity_id == other.id)
    ).all()
    assert [(link.account_id, link.note) for link in links] == [(keep.id, "A; B")]
    assert count(OpportunityAccount, OpportunityAccount.account_id == dupe.id) == 0
    # Survivor: own values except the ones taken.
    survivor = db.session.get(Account, keep.id)
    assert (survivor.name, survivor.city, survivor.phone, survivor.website) == (
        "Fiume Foods",
        "Torino",
        "+39 011 1234",
        "https://fiume.example",
    )
    # The duplicate is in the trash, pointing to the survivor; nothing hard-deleted.
    trashed = db.session.get(Account, dupe.id)
    assert trashed.deleted_at is not None and trashed.merged_into_id == keep.id
    assert count(Account) == before["accounts"]
    assert count(Opportunity) == before["deals"]
    assert count(Note) == before["notes"] and count(Activity) == before["activities"]
    assert count(TimelineEntry) == timeline + 4  # 2 deals + 2 links


def test_the_survivor_may_take_the_duplicates_name(pair, admin):
    keep, dupe, *_ = pair
    merge_accounts(admin, dupe, keep, take=["name", "city"])
    db.session.expire_all()
    survivor = db.session.get(Account, dupe.id)
    assert (survivor.name, survivor.city, survivor.name_key) == (
        "Fiume Foods",
        "Torino",
        "fiumefoods",
    )
    assert db.session.get(Account, keep.id).merged_into_id == dupe.id


def test_only_admins_and_managers_merge_and_nothing_is_written_on_refusal(pair, sales_user):
    keep, dupe, *_ = pair
    with pytest.raises(PermissionDenied):
        merge_accounts(sales_user, keep, dupe)
    with pytest.raises(ValidationError):
        merge_accounts(factories.user(email="boss@x.example", role="admin"), keep, keep)
    db.session.expire_all()
    assert db.session.get(Account, dupe.id).deleted_at is None
    assert count(Opportunity, Opportunity.account_id == dupe.id) == 2


def test_invalid_choices_write_nothing(pair, manager):
    keep, dupe, *_ = pair
    dupe_deals = count(Opportunity, Opportunity.account_id == dupe.id)
    with pytest.raises(ValidationError):
        merge_accounts(manager, keep, dupe, take=["phone", "no_such_field"])
    keep.email = "not an email"  # a value that fails the survivor's validation
    db.session.commit()
    with pytest.raises(ValidationError):
        merge_accounts(manager, dupe, keep, take=["email"])
    assert count(Opportunity, Opportunity.account_id == dupe.id) == dupe_deals
    assert db.session.get(Account, keep.id).deleted_at is None


def test_a_merged_account_cannot_be_merged_again(pair, manager):
    keep, dupe, *_ = pair
    merge_accounts(manager, keep, dupe)
    with pytest.raises(NotFound):
        merge_accounts(manager, keep, db.session.get(Account, dupe.id))


def test_merge_contacts_moves_deals_roles_activities_and_leads(create_opportunity, manager):
    acme = factories.account("Acme")
    anna = factories.contact(acme, "Rossi", first_name="Anna", email="anna@acme.example")
    dupe = factories.contact(acme, "Rossi", first_name="Anna", phone="+39 02 1234")
    both = create_opportunity(name="Both", account_id=str(acme.id))
    relations.add_contact(manager, both, anna.id, "other")
    relations.add_contact(manager, both, dupe.id, "decision_maker")
    primary = create_opportunity(
        name="Primary", account_id=str(acme.id), primary_contact_id=str(dupe.id)
    )
    activity = Activity(subject="Call Anna", contact_id=dupe.id, opportunity_id=primary.id)
    lead = Lead(last_name="Rossi", contact_id=dupe.id)
    db.session.add_all([activity, lead])
    db.session.commit()
    contacts, links = count(Contact), count(OpportunityContact)

    counts = merge_contacts(manager, anna, dupe, take=["phone"])

    assert (counts.deals, counts.links, counts.activities, counts.leads) == (1, 2, 1, 1)
    db.session.expire_all()
    assert db.session.get(Opportunity, primary.id).primary_contact_id == anna.id
    roles = db.session.scalars(select(OpportunityContact)).all()
    # "Both" keeps one link, with the more telling role; "Primary" links the survivor.
    assert sorted((r.opportunity_id, r.contact_id, r.role) for r in roles) == sorted(
        [(both.id, anna.id, "decision_maker"), (primary.id, anna.id, "other")]
    )
    assert count(OpportunityContact) == links - 1
    assert db.session.get(Activity, activity.id).contact_id == anna.id
    assert db.session.get(Lead, lead.id).contact_id == anna.id
    survivor = db.session.get(Contact, anna.id)
    assert (survivor.email, survivor.phone) == ("anna@acme.example", "+39 02 1234")
    trashed = db.session.get(Contact, dupe.id)
    assert trashed.deleted_at is not None and trashed.merged_into_id == anna.id
    assert count(Contact) == contacts
    assert count(TimelineEntry, TimelineEntry.action == "merged") == 3


# --- the page ----------------------------------------------------------------------------


def test_merge_page_lists_likely_duplicates_compares_and_merges(client, auth, pair, manager):
    keep, dupe, moved, *_ = pair
    auth.login(manager)
    page = client.get(f"/accounts/{keep.id}")
    assert f"/accounts/{keep.id}/merge" in page.text and "Merge with" in page.text
    listing = client.get(f"/accounts/{keep.id}/merge")
    assert "Fiume Foods srl" in listing.text and f"other={dupe.id}" in listing.text
    found = client.get(f"/accounts/{keep.id}/merge?q=srl")
    assert f"other={dupe.id}" in found.text
    compare = client.get(f"/accounts/{keep.id}/merge?other={dupe.id}")
    assert compare.status_code == 200
    assert "+39 011 1234" in compare.text and "Torino" in compare.text
    # Empty on the survivor, filled on the other: the other's value is preselected.
    assert f'name="keep_phone" value="{dupe.id}" checked' in compare.text
    response = client.post(
        f"/accounts/{keep.id}/merge",
        data={"other": dupe.id, "survivor": keep.id, "keep_phone": dupe.id, "keep_name": keep.id},
    )
    assert response.status_code == 302 and response.location.endswith(f"/accounts/{keep.id}")
    db.session.expire_all()
    assert db.session.get(Account, dupe.id).merged_into_id == keep.id
    assert db.session.get(Account, keep.id).phone == "+39 011 1234"
    survivor_page = client.get(f"/accounts/{keep.id}").text
    assert "Merged into this account" in survivor_page and "Fiume Foods srl" in survivor_page
    old_link = client.get(f"/accounts/{dupe.id}")  # the trashed account leads to its survivor
    assert old_link.status_code == 302 and old_link.location.endswith(f"/accounts/{keep.id}")


def test_merge_page_refuses_sales_users(client, auth, pair, sales_user):
    keep, dupe, *_ = pair
    auth.login(sales_user)
    assert "Merge with" not in client.get(f"/accounts/{keep.id}").text
    response = client.post(
        f"/accounts/{keep.id}/merge", data={"other": dupe.id, "survivor": keep.id}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Account, dupe.id).deleted_at is None


def test_merge_page_shows_a_refusal_in_the_page(client, auth, pair, manager):
    keep, dupe, *_ = pair
    factories.account("Lago Foods")
    dupe.name = "Lago  foods"  # taking this name would duplicate "Lago Foods"
    db.session.commit()
    auth.login(manager)
    response = client.post(
        f"/accounts/{keep.id}/merge",
        data={"other": dupe.id, "survivor": keep.id, "keep_name": dupe.id},
    )
    assert response.status_code == 422 and "already exists" in response.text
    db.session.expire_all()
    assert db.session.get(Account, dupe.id).deleted_at is None


def test_contact_merge_page(client, auth, manager):
    acme = factories.account("Acme")
    anna = factories.contact(acme, "Rossi", first_name="Anna")
    dupe = factories.contact(acme, "rossi", first_name="ANNA", email="anna@acme.example")
    auth.login(manager)
    assert f"/contacts/{anna.id}/merge" in client.get(f"/contacts/{anna.id}").text
    listing = client.get(f"/contacts/{anna.id}/merge")
    assert f"other={dupe.id}" in listing.text  # same name in the same account
    response = client.post(
        f"/contacts/{anna.id}/merge",
        data={"other": dupe.id, "survivor": anna.id, "keep_email": dupe.id},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contact, anna.id).email == "anna@acme.example"
    assert db.session.get(Contact, dupe.id).merged_into_id == anna.id
