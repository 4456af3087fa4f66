"""From a client folder or a contact page, "+ New deal" opens the quick-create dialog with the
account (and contact) pre-filled; the new deal shows up back in the folder."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.models import Opportunity


def test_new_deal_from_account_and_contact_pages(page, login, sales_user, pipeline):
    acme = factories.account("Acme S.p.A.")
    anna = factories.contact(acme, "Rossi", first_name="Anna")
    login(page, sales_user)

    page.goto(f"/accounts/{acme.id}")
    page.locator("[data-new-deal]").click()
    dialog = page.locator("dialog#quick-create")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Account")).to_have_value("Acme S.p.A.")
    dialog.get_by_label("Name").fill("Acme support")
    dialog.get_by_label("Amount").fill("4200")
    dialog.get_by_role("button", name="Create deal").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    deal = db.session.scalars(select(Opportunity).where(Opportunity.name == "Acme support")).one()
    assert deal.account_id == acme.id

    page.goto(f"/contacts/{anna.id}")
    page.locator("[data-new-deal]").click()
    dialog = page.locator("dialog#quick-create")
    expect(dialog).to_contain_text("Contact: Anna Rossi")
    expect(dialog.get_by_label("Account")).to_have_value("Acme S.p.A.")
    dialog.get_by_label("Name").fill("Acme training")
    dialog.get_by_role("button", name="Create deal").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    training = db.session.scalars(
        select(Opportunity).where(Opportunity.name == "Acme training")
    ).one()
    assert (training.account_id, training.primary_contact_id) == (acme.id, anna.id)

    page.goto(f"/accounts/{acme.id}")
    group = page.locator('[data-deal-group="open"]')
    expect(group.locator("[data-count]")).to_have_text("2")
    expect(group.locator("[data-total]")).to_have_text("€4,200")
    page.goto(f"/contacts/{anna.id}")
    expect(page.locator(f'[data-deal="{training.id}"]')).to_contain_text("primary")
