"""The Duplicate dialog in real Chromium: open from the actions menu, switch kind, fix an
error, create the renewal and land on it with its lineage."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.models import Opportunity, PluginEnablement
from webapp.opportunities.services import close_won


def _won_deal(business_line, create_opportunity, manager):
    db.session.add(PluginEnablement(business_line_id=business_line.id, plugin="renewals"))
    db.session.commit()
    acme = factories.account("Acme")
    opp = create_opportunity(
        name="Acme support 2026",
        account_id=acme.id,
        amount="12000",
        close_date="2026-03-31",
        contract_months="12",
    )
    close_won(manager, opp)
    return opp


def test_renew_through_the_dialog(
    page, login, sales_user, manager, business_line, create_opportunity
):
    source = _won_deal(business_line, create_opportunity, manager)
    login(page, sales_user)
    page.goto(f"/opportunities/{source.id}")

    page.locator("[data-slot=opportunity-actions] .dropdown-toggle").click()
    page.get_by_role("button", name="Renew…").click()
    dialog = page.locator("dialog#duplicate-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name")).to_have_value("Acme support 2027")
    expect(dialog.get_by_label("Expected close date")).to_have_value("2027-03-31")
    expect(dialog.get_by_label("Price uplift %")).to_be_visible()

    # Switching the kind reloads its defaults inside the open dialog.
    dialog.get_by_text("Upsell", exact=True).click()
    expect(dialog.get_by_label("Name")).to_have_value("Acme support 2026 – upsell")
    expect(dialog.get_by_label("Price uplift %")).to_have_count(0)
    expect(dialog.get_by_label("Contacts with their roles")).to_be_checked()
    expect(dialog.get_by_label("Product lines")).not_to_be_checked()
    dialog.get_by_text("Renewal", exact=True).click()
    expect(dialog.get_by_label("Name")).to_have_value("Acme support 2027")

    # A bad value keeps the dialog open with the message and the typed values.
    dialog.get_by_label("Name").fill("")
    dialog.get_by_label("Price uplift %").fill("a lot")
    dialog.get_by_role("button", name="Create renewal").click()
    expect(dialog.get_by_text("a lot is not a number in English")).to_be_visible()
    expect(dialog.get_by_text("This field is required.")).to_be_visible()
    expect(dialog.get_by_label("Price uplift %")).to_have_value("a lot")
    assert db.session.scalar(select(Opportunity).where(Opportunity.id != source.id)) is None

    dialog.get_by_label("Name").fill("Acme support 2027")
    dialog.get_by_label("Price uplift %").fill("5")
    dialog.get_by_role("button", name="Create renewal").click()

    page.wait_for_url(re.compile(rf"/opportunities/(?!{source.id}$)\d+$"))
    expect(page.get_by_text("Renewal “Acme support 2027” created.")).to_be_visible()
    expect(page.get_by_test_id("deal-name")).to_have_text("Acme support 2027")
    lineage = page.locator("[data-panel=lineage]")
    expect(lineage).to_contain_text("renewal of")
    expect(lineage.get_by_role("link", name="Acme support 2026")).to_be_visible()
    expect(lineage.get_by_test_id("lifetime-won")).to_have_text("€12,000")
    db.session.expire_all()
    new = db.session.scalar(select(Opportunity).where(Opportunity.name == "Acme support 2027"))
    assert str(new.amount) == "12600.00" and new.stage.position == 0


def test_cancel_closes_the_dialog_and_creates_nothing(
    page, login, sales_user, manager, business_line, create_opportunity
):
    source = _won_deal(business_line, create_opportunity, manager)
    login(page, sales_user)
    page.goto(f"/opportunities/{source.id}")
    page.locator("[data-slot=opportunity-actions] .dropdown-toggle").click()
    page.get_by_role("button", name="Duplicate…").click()
    dialog = page.locator("dialog#duplicate-dialog")
    expect(dialog.get_by_label("Name")).to_have_value("Acme support 2027")  # won: renewal
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator("#modal-root dialog")).to_have_count(0)
    assert db.session.scalar(select(Opportunity).where(Opportunity.id != source.id)) is None


def test_duplicate_from_a_board_card_menu(page, login, sales_user, business_line, pipeline):
    db.session.add(PluginEnablement(business_line_id=business_line.id, plugin="renewals"))
    db.session.commit()
    deal = factories.opportunity(
        sales_user, {"name": "Board deal", "stage_id": pipeline.stages[0].id}
    )
    login(page, sales_user)
    page.goto("/board")
    card = page.locator(f"#card-{deal.id}")
    card.get_by_role("link", name="Actions").click()  # the menu's items load as it opens
    card.get_by_role("button", name="Duplicate…").click()
    dialog = page.locator("dialog#duplicate-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name")).to_have_value(re.compile("Board deal"))
