"""The trash: who may trash, restore and purge what; trashed records vanish everywhere."""

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.errors import DomainError, PermissionDenied
from webapp.extensions import db
from webapp.models import (
    Account,
    Contact,
    Lead,
    Note,
    Opportunity,
    OpportunityLine,
    StageHistory,
    TimelineEntry,
)
from webapp.opportunities.notes import add_note
from webapp.opportunities.services import add_line
from webapp.trash import services as trash


def fresh(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_deal_trash_and_restore_keep_it_as_it_was(
    sales_user, manager, pipeline, create_opportunity
):
    opp = create_opportunity(name="Kept deal")
    position, stage_id = opp.position, opp.stage_id
    with pytest.raises(PermissionDenied):
        trash.trash(sales_user, "deals", opp.id)
    assert fresh(Opportunity, opp.id).deleted_at is None
    trash.trash(manager, "deals", opp.id)
    row = fresh(Opportunity, opp.id)
    assert row.deleted_at is not None and row.deleted_by_id == manager.id
    with pytest.raises(PermissionDenied):
        trash.restore(sales_user, "deals", opp.id)
    trash.restore(manager, "deals", opp.id)
    row = fresh(Opportunity, opp.id)
    assert (row.deleted_at, row.deleted_by_id, row.position, row.stage_id) == (
        None,
        None,
        position,
        stage_id,
    )
    actions = db.session.scalars(
        select(TimelineEntry.action).where(TimelineEntry.opportunity_id == opp.id)
    ).all()
    assert "deleted" in actions and "restored" in actions


def test_account_with_live_deals_is_refused_its_contacts_go_and_come_back(
    manager, create_opportunity
):
    account = factories.account("Fiume srl")
    contact = factories.contact(account, last_name="Bianchi")
    opp = create_opportunity(name="Fiume deal", account_id=account.id)
    with pytest.raises(DomainError, match="still has 1 deal"):
        trash.trash(manager, "accounts", account.id)
    assert fresh(Account, account.id).deleted_at is None
    trash.trash(manager, "deals", opp.id)
    trash.trash(manager, "accounts", account.id)
    assert fresh(Contact, contact.id).deleted_at is not None
    with pytest.raises(DomainError, match="restore the account first"):
        trash.restore(manager, "deals", opp.id)
    trash.restore(manager, "accounts", account.id)
    assert fresh(Contact, contact.id).deleted_at is None
    trash.restore(manager, "deals", opp.id)
    assert fresh(Opportunity, opp.id).deleted_at is None


def test_contacts_and_leads_follow_their_rules(sales_user, create_user):
    other = create_user(email="o@example.com", name="Other", role="sales")
    theirs = factories.contact(None, last_name="Verdi", owner_id=other.id)
    mine = factories.contact(None, last_name="Neri", owner_id=sales_user.id)
    with pytest.raises(PermissionDenied):
        trash.trash(sales_user, "contacts", theirs.id)
    trash.trash(sales_user, "contacts", mine.id)
    assert fresh(Contact, mine.id).deleted_by_id == sales_user.id
    lead = Lead(last_name="Gialli", owner_id=sales_user.id)
    db.session.add(lead)
    db.session.commit()
    trash.trash(sales_user, "leads", lead.id)
    trash.restore(sales_user, "leads", lead.id)
    assert fresh(Lead, lead.id).deleted_at is None


def test_purge_is_for_admins_and_takes_what_depends_on_the_deal(
    admin, manager, create_opportunity, tmp_path
):
    opp = create_opportunity(name="Gone deal")
    add_line(manager, opp, {"description": "Setup", "unit_price": "100"})
    add_note(manager, opp, "A note")
    trash.trash(manager, "deals", opp.id)
    with pytest.raises(PermissionDenied):
        trash.purge(manager, "deals", opp.id)
    kind = trash.KINDS["deals"]
    what = dict(trash.consequences(kind, fresh(Opportunity, opp.id)))
    assert what["product lines"] == 1 and what["notes"] == 1 and what["timeline entries"] >= 3
    assert trash.purge(admin, "deals", opp.id, folder=str(tmp_path)) == "Gone deal"
    assert fresh(Opportunity, opp.id) is None
    for model in (TimelineEntry, StageHistory, OpportunityLine, Note):
        count = select(func.count()).where(model.opportunity_id == opp.id)
        assert db.session.scalar(count) == 0


def test_purge_refuses_an_account_still_referred_to(admin, manager, create_opportunity):
    account = factories.account("Held srl")
    opp = create_opportunity(name="Held deal", account_id=account.id)
    trash.trash(manager, "deals", opp.id)
    trash.trash(manager, "accounts", account.id)
    with pytest.raises(DomainError, match="Held deal"):
        trash.purge(admin, "accounts", account.id)
    assert fresh(Account, account.id) is not None
    trash.purge(admin, "deals", opp.id)
    trash.purge(admin, "accounts", account.id)
    assert fresh(Account, account.id) is None


def test_only_trashed_records_can_be_purged_or_restored(admin, create_opportunity):
    opp = create_opportunity(name="Alive")
    with pytest.raises(DomainError):
        trash.purge(admin, "deals", opp.id)
    with pytest.raises(DomainError):
        trash.restore(admin, "deals", opp.id)
    assert fresh(Opportunity, opp.id) is not None


def test_trashed_records_vanish_from_pages(client, auth, manager, pipeline, create_opportunity):
    account = factories.account("Visible srl")
    kept = create_opportunity(name="Kept one", account_id=account.id, owner=manager, user=manager)
    gone = create_opportunity(
        name="Trashed one", account_id=account.id, owner=manager, user=manager
    )
    trash.trash(manager, "deals", gone.id)
    auth.login(manager)
    for url in (
        "/opportunities?owner=all",
        "/opportunities?owner=all&q=one",
        f"/pipelines/{pipeline.id}/board?owner=all",
        f"/accounts/{account.id}",
    ):
        html = client.get(url).get_data(True)
        assert "Kept one" in html and "Trashed one" not in html, url
    assert client.get(f"/opportunities/{gone.id}").status_code == 404
    page = client.get("/trash?kind=deals").get_data(True)
    assert "Trashed one" in page and "Kept one" not in page
    assert client.get("/trash?kind=deals&q=nothing").get_data(True).count("Trashed one") == 0
    restored = client.post(f"/trash/deals/{gone.id}/restore")
    assert restored.status_code == 302
    assert fresh(Opportunity, gone.id).deleted_at is None
    assert kept.id


def test_delete_button_asks_then_trashes(client, auth, manager, create_opportunity):
    opp = create_opportunity(name="Button deal", owner=manager, user=manager)
    auth.login(manager)
    assert "Move to trash…" in client.get(f"/opportunities/{opp.id}").get_data(True)
    dialog = client.get(f"/trash/deals/{opp.id}/confirm", headers={"HX-Request": "true"})
    assert "Move “Button deal” to the trash?" in dialog.get_data(True)
    client.post(f"/trash/deals/{opp.id}", data={"version": opp.version})
    assert fresh(Opportunity, opp.id).deleted_by_id == manager.id


def test_purge_dialog_says_what_goes_or_what_blocks(
    client, auth, admin, manager, create_opportunity
):
    account = factories.account("Blocked srl")
    opp = create_opportunity(name="Blocking deal", account_id=account.id)
    trash.trash(manager, "deals", opp.id)
    trash.trash(manager, "accounts", account.id)
    auth.login(manager)
    assert client.get(f"/trash/accounts/{account.id}/purge").status_code == 404
    auth.logout()
    auth.login(admin)
    blocked = client.get(f"/trash/accounts/{account.id}/purge").get_data(True)
    assert "cannot be deleted for good yet" in blocked and "Blocking deal" in blocked
    dialog = client.get(f"/trash/deals/{opp.id}/purge").get_data(True)
    assert "timeline entries" in dialog and "Delete for good" in dialog
    client.post(f"/trash/deals/{opp.id}/purge")
    assert fresh(Opportunity, opp.id) is None


def test_purge_removes_document_files_only_after_the_commit(
    admin, manager, create_opportunity, tmp_path
):
    import io

    from webapp.models import Document
    from webapp.opportunities.documents import upload_document

    opp = create_opportunity(name="With a file")
    upload_document(
        manager, opp, io.BytesIO(b"plain notes"), "notes.txt", folder=str(tmp_path), limit=10**6
    )
    db.session.commit()
    stored = tmp_path / db.session.scalar(select(Document.stored_name))
    assert stored.exists()
    trash.trash(manager, "deals", opp.id)
    trash.purge(admin, "deals", opp.id, folder=str(tmp_path))
    assert not stored.exists()
    assert db.session.scalar(select(func.count()).select_from(Document)) == 0


def test_trash_shows_only_what_the_user_may_see(
    client, auth, manager, create_user, create_opportunity
):
    elsewhere = factories.business_line("Hardware")
    outsider = create_user(
        email="hw@example.com", name="Hal Hardware", role="manager", business_lines=[elsewhere]
    )
    opp = create_opportunity(name="Software secret")
    trash.trash(manager, "deals", opp.id)
    auth.login(outsider)
    assert "Software secret" not in client.get("/trash?kind=deals").get_data(True)
    assert client.post(f"/trash/deals/{opp.id}/restore").status_code == 404
    assert fresh(Opportunity, opp.id).deleted_at is not None


def test_trashed_account_and_contact_leave_lists_and_searches(client, auth, manager):
    account = factories.account("Hidden Co")
    contact = factories.contact(account, last_name="Hiddenperson")
    trash.trash(manager, "accounts", account.id)
    auth.login(manager)
    assert "Hidden Co" not in client.get("/accounts").get_data(True)
    assert "Hidden Co" not in client.get("/accounts/search?q=hidden").get_data(True)
    assert "Hiddenperson" not in client.get("/contacts?q=hidden").get_data(True)
    assert client.get(f"/accounts/{account.id}").status_code == 404
    assert client.get(f"/contacts/{contact.id}").status_code == 404
    page = client.get("/trash?kind=contacts").get_data(True)
    assert "Hiddenperson" in page
