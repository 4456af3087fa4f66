"""Leads: list, create, edit, and the one-step conversion into account + contact + deal."""

import re

from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.models import Account, Contact, Lead, Opportunity, Source, TimelineEntry


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def make_lead(owner, **kwargs) -> Lead:
    kwargs.setdefault("business_line_id", owner.business_lines[0].id)
    lead = Lead(
        first_name=kwargs.pop("first_name", "Anna"),
        last_name=kwargs.pop("last_name", "Rossi"),
        company=kwargs.pop("company", "Nord Foods"),
        email=kwargs.pop("email", "anna@nordfoods.com"),
        owner_id=owner.id,
        **kwargs,
    )
    db.session.add(lead)
    db.session.commit()
    return lead


def test_create_lead_keeps_input_and_shows_errors_in_place(client, auth, sales_user):
    auth.login(sales_user)
    response = client.post(
        "/leads/new",
        data={"first_name": "Anna", "last_name": "", "company": "Nord <Foods>", "email": "nope"},
    )
    page = response.data.decode()
    assert response.status_code == 422
    assert "This field is required." in page
    assert "Enter an email address" in page
    assert 'value="Anna"' in page and 'value="Nord &lt;Foods&gt;"' in page
    assert count(Lead) == 0


def test_create_lead_then_list_search_and_status_filter(client, auth, sales_user, business_line):
    source = Source(name="Trade fair")
    db.session.add(source)
    db.session.commit()
    auth.login(sales_user)
    response = client.post(
        "/leads/new",
        data={
            "first_name": "Anna",
            "last_name": "Rossi",
            "company": "Nord Foods",
            "email": "Anna@NordFoods.com",
            "source_id": source.id,
            "owner_id": sales_user.id,
            "description": "Met at the fair",
        },
    )
    assert response.status_code == 302
    lead = db.session.scalars(select(Lead)).one()
    assert (lead.status, lead.owner_id, lead.business_line_id) == (
        "new",
        sales_user.id,
        business_line.id,
    )
    assert lead.email == "Anna@nordfoods.com"  # the domain is normalised
    make_lead(sales_user, first_name="Bruno", last_name="Bianchi", company="Acme", email=None)
    make_lead(sales_user, first_name="Carla", last_name="Verdi", status="converted")

    page = client.get("/leads").data.decode()
    assert "Anna Rossi" in page and "Bruno Bianchi" in page and "Carla Verdi" not in page
    fragment = client.get("/leads?q=nord", headers={"HX-Request": "true", "HX-Target": "lead-list"})
    text = fragment.data.decode()
    assert "<html" not in text and "Anna Rossi" in text and "Bruno Bianchi" not in text
    page = client.get("/leads?status=converted").data.decode()
    assert "Carla Verdi" in page and "Anna Rossi" not in page


def test_leads_of_another_business_line_stay_hidden(client, auth, sales_user, create_user):
    other_line = factories.business_line("Hardware")
    outsider = create_user(email="out@example.com", business_lines=[other_line])
    lead = make_lead(outsider, first_name="Hidden", business_line_id=other_line.id)
    auth.login(sales_user)
    assert "Hidden" not in client.get("/leads?status=all").data.decode()
    assert client.get(f"/leads/{lead.id}").status_code == 403
    assert client.get("/leads/999").status_code == 404


def test_convert_creates_account_contact_and_deal_in_one_step(client, auth, sales_user, pipeline):
    source = Source(name="Web form")
    db.session.add(source)
    db.session.commit()
    lead = make_lead(sales_user, description="Wants 40 seats", source_id=source.id)
    auth.login(sales_user)
    form = client.get(f"/leads/{lead.id}/convert").data.decode()
    assert 'value="Nord Foods"' in form  # account name and deal name pre-filled
    stage = pipeline.stages[1]
    response = client.post(
        f"/leads/{lead.id}/convert",
        data={
            "account_id": "",
            "account_name": "Nord Foods",
            "name": "Nord Foods seats",
            "amount": "12000",
            "stage_id": stage.id,
            "close_date": "2027-01-31",
        },
    )
    assert response.status_code == 302
    deal = db.session.scalars(select(Opportunity)).one()
    assert response.headers["Location"].endswith(f"/opportunities/{deal.id}")
    lead = db.session.get(Lead, lead.id)
    account, contact = deal.account, deal.primary_contact
    assert (account.name, contact.full_name, contact.email) == (
        "Nord Foods",
        "Anna Rossi",
        "anna@nordfoods.com",
    )
    assert contact.account_id == account.id
    assert (deal.stage_id, str(deal.amount), deal.source_id) == (stage.id, "12000.00", source.id)
    assert deal.description == "Wants 40 seats"
    assert lead.status == "converted" and lead.converted_at is not None
    assert (lead.account_id, lead.contact_id, lead.opportunity_id) == (
        account.id,
        contact.id,
        deal.id,
    )
    actions = {e.action: e for e in db.session.scalars(select(TimelineEntry))}
    assert "created" in actions
    converted = actions["converted"]
    assert converted.opportunity_id == deal.id and converted.user_id == sales_user.id
    assert "Anna Rossi" in converted.message and "Web form" in converted.message
    assert converted.data["lead_id"] == lead.id
    assert converted.new_value == "Wants 40 seats"
    # the lead keeps its history and points at what it became
    page = client.get(f"/leads/{lead.id}").data.decode()
    assert "converted" in page and f"/opportunities/{deal.id}" in page
    assert f"/accounts/{account.id}" in page and f"/contacts/{contact.id}" in page
    again = client.get(f"/leads/{lead.id}/convert")
    assert again.status_code == 302


def test_convert_links_existing_account_by_name_and_contact_by_email(
    client, auth, sales_user, pipeline
):
    nord = factories.account("Nord Foods")
    anna = factories.contact(None, "Rossi", first_name="Anna", email="ANNA@nordfoods.com")
    lead = make_lead(sales_user)
    auth.login(sales_user)
    form = client.get(f"/leads/{lead.id}/convert").data.decode()
    assert "already exists and will be linked" in form
    assert "Links to the existing contact" in form
    response = client.post(
        f"/leads/{lead.id}/convert",
        data={"account_id": "", "account_name": " nord foods ", "name": "Renewal"},
    )
    assert response.status_code == 302
    deal = db.session.scalars(select(Opportunity)).one()
    assert deal.account_id == nord.id and deal.primary_contact_id == anna.id
    assert count(Account) == 1 and count(Contact) == 1
    assert db.session.get(Contact, anna.id).account_id == nord.id


def test_convert_links_the_picked_account(client, auth, sales_user, pipeline):
    picked = factories.account("Nord Holding")
    lead = make_lead(sales_user)
    auth.login(sales_user)
    response = client.post(
        f"/leads/{lead.id}/convert",
        data={"account_id": picked.id, "account_name": "Nord Holding", "name": "Deal"},
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Opportunity)).one().account_id == picked.id
    assert count(Account) == 1


def test_convert_with_unknown_account_writes_nothing_and_keeps_input(
    client, auth, sales_user, pipeline
):
    lead = make_lead(sales_user)
    auth.login(sales_user)
    response = client.post(
        f"/leads/{lead.id}/convert",
        data={"account_id": "999", "account_name": "Ghost", "name": "Keep me", "amount": "-5"},
    )
    page = response.data.decode()
    assert response.status_code == 422
    assert "Unknown account." in page and "The amount cannot be negative." in page
    assert 'value="Keep me"' in page and 'value="Ghost"' in page and 'value="-5"' in page
    assert (count(Account), count(Contact), count(Opportunity)) == (0, 0, 0)
    assert db.session.get(Lead, lead.id).status == "new"


def test_convert_failing_inside_deal_creation_leaves_nothing_half_written(
    client, auth, sales_user, pipeline
):
    """The account and contact are flushed before create_opportunity refuses the stage:
    the whole conversion must roll back."""
    lead = make_lead(sales_user)
    won = pipeline.stage_of_kind("won")
    auth.login(sales_user)
    response = client.post(
        f"/leads/{lead.id}/convert",
        data={"account_name": "Nord Foods", "name": "Deal", "stage_id": won.id},
    )
    assert response.status_code == 422
    assert "A new deal starts in an open stage." in response.data.decode()
    assert (count(Account), count(Contact), count(Opportunity), count(TimelineEntry)) == (
        0,
        0,
        0,
        0,
    )
    lead = db.session.get(Lead, lead.id)
    assert lead.status == "new" and lead.account_id is None and lead.contact_id is None


def test_only_owner_managers_and_admins_convert(
    client, auth, sales_user, create_user, manager, pipeline
):
    colleague = create_user(email="colleague@example.com", role="sales")
    lead = make_lead(colleague)
    auth.login(sales_user)
    response = client.post(f"/leads/{lead.id}/convert", data={"account_name": "X", "name": "D"})
    assert response.status_code == 403
    assert count(Opportunity) == 0
    page = client.get(f"/leads/{lead.id}").data.decode()
    assert "Convert…" not in page
    reason = f"Only {colleague.name}, a manager of this lead&#39;s business line or an admin"
    assert 'data-testid="convert-refusal"' in page and reason in page  # the reason is shown
    form = client.get(f"/leads/{lead.id}/convert")  # and the form is refused, with it
    assert form.status_code == 403 and reason in form.text
    assert 'name="account_name"' not in form.text
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status != "converted"
    auth.logout()
    auth.login(manager)
    response = client.post(f"/leads/{lead.id}/convert", data={"account_name": "X", "name": "D"})
    assert response.status_code == 302
    assert count(Opportunity) == 1


def test_status_changes_until_converted(client, auth, sales_user, create_user):
    lead = make_lead(sales_user)
    auth.login(sales_user)
    response = client.post(
        f"/leads/{lead.id}/status", data={"status": "qualified"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "<html" not in response.data.decode()
    assert "qualified" in response.data.decode()
    assert db.session.get(Lead, lead.id).status == "qualified"
    response = client.post(f"/leads/{lead.id}/status", data={"status": "converted"})
    assert response.status_code == 422 and "Unknown lead status." in response.data.decode()
    colleague = create_user(email="colleague@example.com")
    theirs = make_lead(colleague)
    response = client.post(f"/leads/{theirs.id}/status", data={"status": "disqualified"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Lead, theirs.id).status == "new"


def _edit_form(client, lead) -> dict:
    """The edit form's fields as loaded (the token included)."""
    page = client.get(f"/leads/{lead.id}/edit").get_data(as_text=True)
    token = re.search(r'name="updated_at" type="hidden" value="([^"]+)"', page)
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "company": lead.company or "",
        "email": lead.email or "",
        "owner_id": str(lead.owner_id),
        "business_line_id": str(lead.business_line_id),
        "updated_at": token.group(1),
    }


def test_edit_lead_saves_and_keeps_bad_input(client, auth, sales_user):
    lead = make_lead(sales_user)
    auth.login(sales_user)
    assert f'href="/leads/{lead.id}/edit"' in client.get(f"/leads/{lead.id}").get_data(as_text=True)
    form = _edit_form(client, lead)

    response = client.post(
        f"/leads/{lead.id}/edit", data={**form, "email": "not an email", "company": "Nord Spa"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter an email address" in html and 'value="Nord Spa"' in html
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).company == "Nord Foods"  # nothing saved

    response = client.post(f"/leads/{lead.id}/edit", data={**form, "company": "Nord Spa"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).company == "Nord Spa"


def test_stale_lead_edit_shows_what_changed_and_keeps_input(client, auth, sales_user):
    lead = make_lead(sales_user)
    auth.login(sales_user)
    form = _edit_form(client, lead)
    assert client.post(f"/leads/{lead.id}/edit", data={**form, "phone": "+39 1"}).status_code == 302

    response = client.post(f"/leads/{lead.id}/edit", data={**form, "company": "Mine Srl"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this lead" in html and 'value="Mine Srl"' in html
    db.session.expire_all()
    saved = db.session.get(Lead, lead.id)
    assert saved.company == "Nord Foods" and saved.phone == "+39 1"


def test_lead_edit_is_refused_to_others_and_once_converted(client, auth, sales_user, create_user):
    colleague = create_user(email="colleague@example.com", role="sales")
    theirs = make_lead(colleague)
    converted = make_lead(sales_user, status="converted")
    auth.login(sales_user)
    assert client.get(f"/leads/{theirs.id}/edit").status_code == 403
    response = client.post(f"/leads/{theirs.id}/edit", data={"last_name": "X", "updated_at": "x"})
    assert response.status_code == 403
    response = client.get(f"/leads/{converted.id}/edit")
    assert response.status_code == 400 and "was converted" in response.get_data(as_text=True)
    assert f'/leads/{converted.id}/edit"' not in client.get(f"/leads/{converted.id}").get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(Lead, theirs.id).last_name == "Rossi"
