"""The Contacts panel of a deal: the right words when the account has no contacts, and a new
contact created from the deal (on the deal's account, linked in its role; or nothing)."""

from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.models import Contact, OpportunityContact

HX = {"HX-Request": "true"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_a_contact_from_the_deal(client, auth, sales_user, create_opportunity):
    account = factories.account("Verde Srl")
    opp = create_opportunity(name="Verde training", account_id=account.id)
    auth.login(sales_user)
    panel = client.get(f"/opportunities/{opp.id}/panels/contacts", headers=HX).text
    assert "Every contact of" not in panel
    assert "Verde Srl has no contacts yet" in panel and 'data-testid="new-contact" open' in panel

    bad = client.post(
        f"/opportunities/{opp.id}/contacts/new",
        data={"first_name": "Anna", "last_name": "", "email": "not-an-email", "new_role": "x"},
        headers=HX,
    )
    assert bad.status_code == 422 and 'value="Anna"' in bad.text  # typed input stays
    assert "Choose a role." in bad.text and "is-invalid" in bad.text
    assert _count(Contact) == 0 and _count(OpportunityContact) == 0

    good = client.post(
        f"/opportunities/{opp.id}/contacts/new",
        data={
            "first_name": "Anna",
            "last_name": "Verdi",
            "email": "anna@verde.example",
            "title": "CFO",
            "new_role": "finance",
        },
        headers=HX,
    )
    assert good.status_code == 200 and "Anna Verdi" in good.text
    db.session.expire_all()
    contact = db.session.scalars(select(Contact)).one()
    assert (contact.account_id, contact.email, contact.title) == (
        account.id,
        "anna@verde.example",
        "CFO",
    )
    link = db.session.scalars(select(OpportunityContact)).one()
    assert (link.opportunity_id, link.contact_id, link.role) == (opp.id, contact.id, "finance")
    assert "Every contact of Verde Srl is on the deal." in good.text


def test_no_new_contact_without_edit_rights(
    client, auth, sales_user, create_user, create_opportunity
):
    account = factories.account("Verde Srl")
    opp = create_opportunity(name="Verde training", account_id=account.id)
    other = create_user(email="other@example.com", role="sales")
    auth.login(other)
    response = client.post(
        f"/opportunities/{opp.id}/contacts/new",
        data={"last_name": "Verdi", "new_role": "finance"},
        headers=HX,
    )
    assert response.status_code in (403, 404)
    assert _count(Contact) == 0 and _count(OpportunityContact) == 0
