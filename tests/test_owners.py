"""Owners [seed 001]: only the sales group owns deals; contact and deal owners stay in sync as
the settings say, separately for open and closed deals; every owner change is in the timeline."""

import pytest
from sqlalchemy import select

from tests import factories
from webapp.errors import PermissionDenied, ValidationError
from webapp.extensions import db
from webapp.models import TimelineEntry
from webapp.opportunities.services import close_won, update_opportunity
from webapp.owners import services as owners
from webapp.plugins import hook


def owner_entries(opp) -> list[TimelineEntry]:
    return list(
        db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.opportunity_id == opp.id, TimelineEntry.field == "owner_id")
            .order_by(TimelineEntry.id)
        )
    )


def change_contact_owner(contact, new_owner, by):
    """What the contacts service does: set the owner, then tell the plugins."""
    old = contact.owner
    contact.owner = new_owner
    db.session.flush()
    hook("contact_saved")(contact=contact, changes={"owner_id": (old, new_owner)}, user=by)
    db.session.commit()


@pytest.fixture
def seller(create_user):
    return create_user(email="seller@example.com", name="Sara Seller", role="sales")


@pytest.fixture
def outsider(create_user):
    """Works in the business line but is not in the sales group."""
    return create_user(email="support@example.com", name="Pia Support", role="sales", sales=False)


def test_defaults_sync_open_deals_only(app):
    assert owners.sync_settings() == {"open": True, "closed": False}


def test_only_sales_group_members_may_own(create_opportunity, admin, outsider, seller, pipeline):
    with pytest.raises(ValidationError) as exc:
        create_opportunity(owner=outsider, user=admin)
    assert "sales group" in exc.value.errors["owner_id"]
    opp = create_opportunity(owner=seller, user=admin)
    with pytest.raises(ValidationError):
        update_opportunity(admin, opp, {"owner_id": outsider.id}, opp.version)
    assert opp.owner_id == seller.id
    eligible = owners.eligible_owners(pipeline.business_line_id)
    assert seller in eligible and outsider not in eligible


def test_deal_owner_change_moves_the_contact_owner_and_writes_the_timeline(
    create_opportunity, admin, seller, sales_user
):
    contact = factories.contact(last_name="Neri", owner_id=sales_user.id)
    opp = create_opportunity(primary_contact_id=contact.id, owner=sales_user, user=admin)
    update_opportunity(admin, opp, {"owner_id": seller.id}, opp.version)
    assert contact.owner_id == seller.id
    (entry,) = owner_entries(opp)
    assert (entry.old_value, entry.new_value) == ("Sam Sales", "Sara Seller")


def test_contact_owner_change_moves_open_deals_but_not_closed_ones(
    create_opportunity, admin, seller, sales_user
):
    contact = factories.contact(last_name="Gialli", owner_id=sales_user.id)
    open_deal = create_opportunity(
        name="Open", primary_contact_id=contact.id, owner=sales_user, user=admin
    )
    won_deal = create_opportunity(
        name="Won", primary_contact_id=contact.id, owner=sales_user, user=admin
    )
    close_won(admin, won_deal)
    change_contact_owner(contact, seller, admin)
    db.session.refresh(open_deal)
    db.session.refresh(won_deal)
    assert open_deal.owner_id == seller.id
    assert won_deal.owner_id == sales_user.id  # history keeps who owned the closed deal
    (entry,) = owner_entries(open_deal)
    assert entry.new_value == "Sara Seller" and "Gialli" in entry.message
    assert owner_entries(won_deal) == []


def test_closed_deals_follow_when_the_setting_says_so(
    create_opportunity, admin, seller, sales_user
):
    owners.save_sync_settings(admin, open_deals=False, closed_deals=True)
    contact = factories.contact(last_name="Blu", owner_id=sales_user.id)
    open_deal = create_opportunity(primary_contact_id=contact.id, owner=sales_user, user=admin)
    won_deal = create_opportunity(primary_contact_id=contact.id, owner=sales_user, user=admin)
    close_won(admin, won_deal)
    change_contact_owner(contact, seller, admin)
    db.session.refresh(open_deal)
    db.session.refresh(won_deal)
    assert (open_deal.owner_id, won_deal.owner_id) == (sales_user.id, seller.id)


def test_no_sync_when_both_settings_are_off(create_opportunity, admin, seller, sales_user):
    owners.save_sync_settings(admin, open_deals=False, closed_deals=False)
    contact = factories.contact(last_name="Rosa", owner_id=sales_user.id)
    opp = create_opportunity(primary_contact_id=contact.id, owner=sales_user, user=admin)
    update_opportunity(admin, opp, {"owner_id": seller.id}, opp.version)
    assert contact.owner_id == sales_user.id
    change_contact_owner(contact, admin, admin)
    db.session.refresh(opp)
    assert opp.owner_id == seller.id


def test_contact_owner_outside_the_sales_group_is_not_given_the_deals(
    create_opportunity, admin, outsider, sales_user
):
    contact = factories.contact(last_name="Viola", owner_id=sales_user.id)
    opp = create_opportunity(primary_contact_id=contact.id, owner=sales_user, user=admin)
    change_contact_owner(contact, outsider, admin)
    db.session.refresh(opp)
    assert opp.owner_id == sales_user.id


def test_new_deal_gives_its_owner_only_to_an_unowned_contact(
    create_opportunity, admin, seller, sales_user
):
    unowned = factories.contact(last_name="Senza")
    owned = factories.contact(last_name="Con", owner_id=sales_user.id)
    create_opportunity(primary_contact_id=unowned.id, owner=seller, user=admin)
    create_opportunity(primary_contact_id=owned.id, owner=seller, user=admin)
    assert unowned.owner_id == seller.id
    assert owned.owner_id == sales_user.id


def test_only_admins_change_the_settings(manager):
    with pytest.raises(PermissionDenied):
        owners.save_sync_settings(manager, open_deals=False, closed_deals=False)
    assert owners.sync_settings()["open"] is True


def test_owner_settings_form(admin, client, auth):
    auth.login(admin)
    response = client.post(
        "/admin/owners", data={"sync_closed": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Saved." in body and 'id="sync-closed" checked' in body
    assert owners.sync_settings() == {"open": False, "closed": True}
