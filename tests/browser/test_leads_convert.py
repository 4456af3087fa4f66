"""Converting a lead in real Chromium: create the lead, convert it picking an existing account
with the search-as-you-type picker, land on the new deal, find it in the client folder."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.models import Contact, Lead, Opportunity


def test_create_and_convert_a_lead(page, login, sales_user, pipeline):
    nord = factories.account("Nord Foods Group", city="Torino")
    factories.account("Acme")
    login(page, sales_user)

    page.get_by_role("link", name="Leads").click()
    page.get_by_role("link", name="+ New lead").click()
    page.get_by_label("First name").fill("Anna")
    page.get_by_label("Last name").fill("Rossi")
    page.get_by_label("Company").fill("Nord Foods")
    page.get_by_label("Email").fill("anna@nordfoods.com")
    page.get_by_label("Description").fill("Met at the fair; wants 40 seats")
    page.get_by_role("button", name="Create lead").click()
    page.wait_for_url(re.compile(r"/leads/\d+$"))
    assert page.locator("[data-lead-status]").inner_text() == "New"

    page.get_by_role("link", name="Convert…").click()
    page.wait_for_url(re.compile(r"/leads/\d+/convert$"))
    assert page.get_by_label("Deal name").input_value() == "Nord Foods"
    picker = page.get_by_label("Account")
    picker.fill("nord")
    page.locator(f'[data-pick-account="{nord.id}"]').click()
    assert picker.input_value() == "Nord Foods Group"
    page.get_by_label("Deal name").fill("Nord Foods seats")
    page.get_by_label("Amount").fill("12000")
    page.get_by_label("Stage").select_option(label=f"Software › Sales › {pipeline.stages[1].name}")
    page.get_by_role("button", name="Convert").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))

    deal = db.session.scalars(select(Opportunity)).one()
    lead = db.session.scalars(select(Lead)).one()
    assert page.url.endswith(f"/opportunities/{deal.id}")
    assert (deal.account_id, deal.stage_id, lead.status, lead.opportunity_id) == (
        nord.id,
        pipeline.stages[1].id,
        "converted",
        deal.id,
    )
    contact = db.session.scalars(select(Contact)).one()
    assert contact.account_id == nord.id and deal.primary_contact_id == contact.id

    # the client folder shows the new deal; active search finds the account
    page.goto("/accounts")
    page.get_by_placeholder("Search accounts").press_sequentially("torino")  # keyups
    expect(page.locator("#account-list tbody tr")).to_have_count(1)  # Acme filtered out
    expect(page).to_have_url(re.compile(r"/accounts\?q=torino(&|$)"))
    page.get_by_role("link", name="Nord Foods Group").click()
    group = page.locator('[data-deal-group="open"]')
    assert group.locator("[data-count]").inner_text() == "1"
    assert group.locator("[data-total]").inner_text() == "€12,000"
    group.get_by_role("link", name="Nord Foods seats").click()
    page.wait_for_url(f"**/opportunities/{deal.id}")

    # the lead keeps its history and points at what it became
    page.goto(f"/leads/{lead.id}")
    assert page.locator("[data-lead-status]").inner_text() == "Converted"
    assert (
        page.locator('[data-panel="lead-conversion"]')
        .get_by_role("link", name="Nord Foods seats")
        .is_visible()
    )


def test_convert_with_bad_input_keeps_what_was_typed(page, login, sales_user, pipeline):
    lead = Lead(
        first_name="Bruno", last_name="Bianchi", company="Bianchi Srl", owner_id=sales_user.id
    )
    db.session.add(lead)
    db.session.commit()
    login(page, sales_user)
    page.goto(f"/leads/{lead.id}/convert")
    page.get_by_label("Deal name").fill("")
    page.get_by_label("Amount").fill("-3")
    page.get_by_role("button", name="Convert").click()
    assert page.get_by_text("The amount cannot be negative.").is_visible()
    assert page.get_by_text("This field is required.").is_visible()
    assert page.get_by_label("Amount").input_value() == "-3"
    assert page.get_by_label("Account").input_value() == "Bianchi Srl"
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status == "new"
    assert db.session.scalars(select(Opportunity)).first() is None
