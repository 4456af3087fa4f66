"""Contacts: list, the contact's page with their deals, create and edit (contact_saved hook)."""

from datetime import timedelta

from sqlalchemy import func, select

from tests import factories
from webapp.accounts.concurrency import token
from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import Account, Contact, OpportunityContact


def test_list_searches_names_emails_and_accounts(client, auth, sales_user):
    acme = factories.account("Acme")
    factories.contact(acme, "Rossi", first_name="Anna", email="anna@acme.com")
    factories.contact(None, "Bianchi", first_name="Bruno")
    auth.login(sales_user)
    page = client.get("/contacts").data.decode()
    assert "Anna Rossi" in page and "Bruno Bianchi" in page and "2 contacts" in page
    fragment = client.get(
        "/contacts?q=acme", headers={"HX-Request": "true", "HX-Target": "contact-list"}
    ).data.decode()
    assert "<html" not in fragment and "Anna Rossi" in fragment and "Bianchi" not in fragment
    page = client.get("/contacts?q=anna+rossi").data.decode()
    assert "Anna Rossi" in page and "Bruno" not in page


def test_contact_page_lists_their_deals_with_role(
    client, auth, sales_user, create_opportunity, create_user
):
    acme = factories.account("Acme")
    anna = factories.contact(acme, "Rossi", first_name="Anna")
    create_opportunity(name="Primary deal", account_id=acme.id, primary_contact_id=anna.id)
    other = create_opportunity(name="Committee deal")
    db.session.add(
        OpportunityContact(opportunity_id=other.id, contact_id=anna.id, role="decision_maker")
    )
    db.session.commit()
    create_opportunity(name="Unrelated deal")
    hidden_line = factories.business_line("Hardware")
    outsider = create_user(email="out@example.com", business_lines=[hidden_line])
    factories.opportunity(
        outsider,
        {
            "name": "Hidden deal",
            "primary_contact_id": anna.id,
            "stage_id": factories.pipeline(hidden_line).stages[0].id,
        },
    )
    auth.login(sales_user)
    page = client.get(f"/contacts/{anna.id}").data.decode()
    assert "Primary deal" in page and "Committee deal" in page and "Decision maker" in page
    assert "Unrelated deal" not in page and "Hidden deal" not in page
    assert f'href="/accounts/{acme.id}"' in page
    assert f'href="/opportunities/new?contact_id={anna.id}&amp;account_id={acme.id}"' in page


def test_contact_page_query_count_does_not_grow(
    client, auth, sales_user, create_opportunity, count_queries
):
    anna = factories.contact(factories.account("Acme"), "Rossi")
    auth.login(sales_user)

    def fill(deals: int) -> None:
        for number in range(deals):
            account = factories.account(f"Account {number}")
            create_opportunity(
                name=f"Deal {number}", account_id=account.id, primary_contact_id=anna.id
            )

    fill(2)
    client.get(f"/contacts/{anna.id}")  # warm the per-app-context caches
    db.session.expire_all()
    with count_queries() as few:
        client.get(f"/contacts/{anna.id}")
    fill(15)
    db.session.expire_all()
    with count_queries() as many:
        page = client.get(f"/contacts/{anna.id}").data.decode()
    assert page.count("data-deal=") == 17
    assert len(many) == len(few), (len(few), len(many))


def test_create_contact_with_new_or_unknown_account(client, auth, sales_user):
    auth.login(sales_user)
    response = client.post(
        "/contacts/new",
        data={
            "first_name": "Anna",
            "last_name": "",
            "email": "bad",
            "account_id": "999",
            "account_name": "Ghost",
        },
    )
    page = response.data.decode()
    assert response.status_code == 422
    assert "This field is required." in page and "Enter an email address" in page
    assert "Unknown account." in page
    assert 'value="Anna"' in page and 'value="Ghost"' in page
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    assert db.session.scalar(select(func.count()).select_from(Account)) == 0

    response = client.post(
        "/contacts/new",
        data={"first_name": "Anna", "last_name": "Rossi", "account_name": "Nord Foods"},
    )
    assert response.status_code == 302
    anna = db.session.scalars(select(Contact)).one()
    assert anna.account.name == "Nord Foods" and anna.owner_id == sales_user.id
    page = client.get(f"/contacts/new?account_id={anna.account_id}").data.decode()
    assert 'value="Nord Foods"' in page  # pre-filled from the account page's button


class SavedSpy:
    def __init__(self):
        self.calls = []

    @hookimpl
    def contact_saved(self, contact, changes, user):
        self.calls.append((contact.id, changes, user.id))


def test_edit_calls_contact_saved_with_changes(app, client, auth, sales_user, manager):
    anna = factories.contact(None, "Rossi", first_name="Anna", owner_id=sales_user.id)
    spy = SavedSpy()
    plugins = app.extensions["opportuno.plugins"].pm
    plugins.register(spy, name="test_contact_spy")
    try:
        auth.login(sales_user)
        response = client.post(
            f"/contacts/{anna.id}/edit",
            data={
                "first_name": "Anna",
                "last_name": "Rossi-Verdi",
                "title": "CFO",
                "owner_id": manager.id,
                "account_id": "",
                "account_name": "",
                "updated_at": token(anna),
            },
        )
    finally:
        plugins.unregister(name="test_contact_spy")
    assert response.status_code == 302
    ((contact_id, changes, user_id),) = spy.calls
    assert (contact_id, user_id) == (anna.id, sales_user.id)
    assert changes["last_name"] == ("Rossi", "Rossi-Verdi")
    assert changes["title"] == (None, "CFO")
    old_owner, new_owner = changes["owner_id"]
    assert (old_owner.id, new_owner.id) == (sales_user.id, manager.id)
    assert set(changes) == {"last_name", "title", "owner_id"}


def test_stale_contact_edit_is_refused_keeping_input(client, auth, sales_user):
    anna = factories.contact(None, "Rossi", first_name="Anna", owner_id=sales_user.id)
    auth.login(sales_user)
    loaded = token(anna)
    anna.email = "anna@elsewhere.com"
    anna.updated_at = anna.updated_at + timedelta(seconds=1)
    db.session.commit()
    response = client.post(
        f"/contacts/{anna.id}/edit",
        data={
            "first_name": "Anna",
            "last_name": "Rossi",
            "email": "anna@mine.com",
            "updated_at": loaded,
        },
    )
    page = response.data.decode()
    assert response.status_code == 409
    assert "Someone else changed this contact meanwhile" in page
    assert "<td>anna@elsewhere.com</td><td>anna@mine.com</td>" in page
    assert 'value="anna@mine.com"' in page
    db.session.expire_all()
    assert db.session.get(Contact, anna.id).email == "anna@elsewhere.com"


def test_unknown_contact_is_a_clear_404(client, auth, sales_user):
    auth.login(sales_user)
    response = client.get("/contacts/999")
    assert response.status_code == 404 and "This contact does not exist" in response.data.decode()
