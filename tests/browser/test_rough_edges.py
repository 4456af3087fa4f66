"""Rough edges from the tour, as a person meets them in Chromium: the account picker's
suggestions (a dropdown that closes on an outside click; Escape keeps the typed text),
Escape in an inline edit, the Products panel following an amount edit, the favicon."""

import os
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.htmx import settled
from webapp.extensions import db
from webapp.models import Opportunity

SHOTS = os.environ.get("SHOTS")  # a folder: save screenshots of the pages to look at them


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def deal(create_opportunity):
    account = factories.account("Acme S.p.A.")
    return create_opportunity(name="Acme support", amount="0", account_id=account.id)


def test_account_suggestions_close_outside_and_escape_keeps_the_text(
    page, login, sales_user, pipeline
):
    factories.account("Fiume Foods", city="Torino")
    factories.account("Lago Fiume Trasporti", city="Genova")
    login(page, sales_user)
    page.goto("/opportunities/new")
    box = page.get_by_label("Account", exact=True)
    box.press_sequentially("Fiume", delay=20)
    listing = page.get_by_role("listbox")
    expect(listing.get_by_role("option", name="Fiume Foods · Torino")).to_be_visible()
    shot(page, "picker-open")
    # a dropdown: it lies over the fields below, it does not push them down
    amount = page.get_by_label("Amount")
    before = amount.bounding_box()["y"]
    assert listing.bounding_box()["y"] >= box.bounding_box()["y"] + box.bounding_box()["height"] - 1
    page.get_by_role("heading", level=1).click()  # a click elsewhere closes it
    expect(listing).to_have_count(0)
    assert amount.bounding_box()["y"] == before
    expect(box).to_have_value("Fiume")

    box.press("End")
    box.press_sequentially(" Sud", delay=20)
    expect(page.get_by_role("listbox")).to_be_visible()
    box.press("Escape")  # closes the list, keeps the text
    expect(page.get_by_role("listbox")).to_have_count(0)
    box.press("Escape")  # again, with nothing open: the text stays
    expect(box).to_have_value("Fiume Sud")
    box.press("End")
    box.press_sequentially("x", delay=20)
    expect(page.get_by_role("listbox")).to_be_visible()
    page.get_by_label("Name").focus()  # tabbing on closes it too
    expect(page.get_by_role("listbox")).to_have_count(0)
    page.get_by_label("Name").fill("Southern deal")
    page.get_by_role("button", name="Create deal").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    db.session.expire_all()
    created = db.session.query(Opportunity).filter_by(name="Southern deal").one()
    assert created.account.name == "Fiume Sudx"


def test_escape_cancels_an_inline_edit(page, login, sales_user, deal):
    login(page, sales_user)
    page.goto(f"/opportunities/{deal.id}")
    field = page.locator("#field-name")
    field.get_by_role("button", name="Acme support").click()
    editor = field.get_by_role("textbox", name="Name")
    editor.fill("Typed but never meant")
    editor.press("Escape")
    expect(field.get_by_role("button", name="Acme support")).to_be_visible()
    expect(field.get_by_role("textbox")).to_have_count(0)
    settled(page)
    db.session.expire_all()
    stored = db.session.get(Opportunity, deal.id)
    assert stored.name == "Acme support" and stored.version == deal.version


def test_products_panel_follows_an_amount_edit(page, login, sales_user, deal):
    login(page, sales_user)
    page.goto(f"/opportunities/{deal.id}")
    rule = page.get_by_test_id("amount-rule")
    expect(rule).to_contain_text("follows these lines while it is left at 0: now €0")
    amount = page.locator("#field-amount")
    amount.get_by_role("button").first.click()
    amount.get_by_role("textbox", name="Amount").fill("1500")
    amount.get_by_role("textbox", name="Amount").press("Enter")
    expect(rule).to_contain_text("The amount (€1,500) was set by hand")
    amount.get_by_role("button").first.click()
    amount.get_by_role("textbox", name="Amount").fill("2400")
    amount.get_by_role("textbox", name="Amount").press("Enter")
    expect(rule).to_contain_text("The amount (€2,400) was set by hand")
    shot(page, "products-amount-rule")
    db.session.expire_all()
    stored = db.session.get(Opportunity, deal.id)
    assert stored.amount == 2400 and stored.amount_manual


def test_no_page_asks_for_a_missing_favicon(page, login, sales_user, deal):
    missing = []
    page.on("response", lambda r: r.status == 404 and missing.append(r.url))
    login(page, sales_user)
    page.goto(f"/opportunities/{deal.id}")
    icon = page.evaluate("fetch('/favicon.ico').then(r => r.status)")
    assert icon == 200 and missing == []


def test_admin_turns_a_plugin_off_after_confirming(page, login, admin, business_line):
    from webapp.admin.services import set_plugin_enabled
    from webapp.plugins import registry

    set_plugin_enabled(None, business_line.id, "erp_quotes", True)
    db.session.commit()
    login(page, admin)
    page.goto("/admin/")
    table = page.locator("#plugins")
    expect(table).to_contain_text("ERP quotes")
    expect(table).not_to_contain_text("[seed")
    expect(table).not_to_contain_text("Enabled")
    row = table.locator("tr[data-plugin=erp_quotes]")
    shot(page, "admin-plugins")
    row.get_by_role("button", name=re.compile("^On: turn ERP quotes off")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Turn ERP quotes off in Software?")
    shot(page, "admin-plugin-off-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    registry().forget_enablement()
    assert "erp_quotes" in registry().enabled_for(business_line.id)  # nothing changed

    row.get_by_role("button", name=re.compile("^On: turn ERP quotes off")).click()
    page.get_by_role("dialog").get_by_role("button", name="Turn off").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#plugin-message")).to_have_text("ERP quotes is now off in Software.")
    expect(row.get_by_role("button", name=re.compile("^Off: turn ERP quotes on"))).to_be_visible()
    registry().forget_enablement()
    assert "erp_quotes" not in registry().enabled_for(business_line.id)
    row.get_by_role("button", name=re.compile("^Off: turn ERP quotes on")).click()  # one click
    expect(page.locator("#plugin-message")).to_have_text("ERP quotes is now on in Software.")
    registry().forget_enablement()
    assert "erp_quotes" in registry().enabled_for(business_line.id)


def test_create_a_contact_from_the_deal(page, login, sales_user, deal):
    from webapp.models import Contact, OpportunityContact

    factories.product("Support plan", "846")
    login(page, sales_user)
    page.goto(f"/opportunities/{deal.id}")
    contacts = page.locator("[data-panel=contacts]")
    expect(contacts).to_contain_text("Acme S.p.A. has no contacts yet")
    expect(contacts).not_to_contain_text("Every contact of")
    contacts.get_by_label("First name").fill("Anna")
    contacts.get_by_label("Last name").fill("Verdi")
    contacts.get_by_label("Email").fill("anna@acme.example")
    contacts.get_by_label("Role on this deal").select_option(label="Finance")
    contacts.get_by_role("button", name="Create and add to the deal").click()
    expect(contacts.locator("[data-contact]")).to_contain_text("Anna Verdi")
    expect(contacts.locator("[data-role-held=finance]")).to_be_visible()
    products = page.locator("[data-panel=products]")
    products.get_by_label("Product").select_option(label="Support plan (€846)")
    products.get_by_label("Qty").fill("2")
    products.get_by_role("button", name="Add line").click()
    expect(page.locator("[data-panel=timeline]")).to_contain_text("(subtotal €1,692)")
    shot(page, "deal-contacts-timeline")
    db.session.expire_all()
    contact = db.session.query(Contact).one()
    assert contact.account_id == deal.account_id and contact.email == "anna@acme.example"
    link = db.session.query(OpportunityContact).one()
    assert (link.opportunity_id, link.role) == (deal.id, "finance")


def test_admin_tests_the_erp_connection(page, login, admin, business_line, app):
    from tests.erp_fake import API_KEY, API_SECRET, FakeERPNext

    erp = FakeERPNext().start()
    try:
        app.config.update(
            ERP_QUOTES_BASE_URL=erp.url,
            ERP_QUOTES_API_KEY=API_KEY,
            ERP_QUOTES_API_SECRET=API_SECRET,
        )
        login(page, admin)
        page.goto("/admin/")
        page.get_by_role("link", name="ERP connection").click()
        row = page.locator("tr[data-line]")
        expect(row).to_contain_text("Configured")
        row.get_by_role("button", name="Test connection").click()
        expect(row.get_by_test_id("erp-test-result")).to_contain_text("the connection works")
        shot(page, "erp-connection")
        assert API_SECRET not in page.content()
    finally:
        erp.stop()


def test_suggestions_overlay_inside_the_quick_create_dialog(page, login, sales_user, pipeline):
    for i in range(8):
        factories.account(f"Fiume {i} S.r.l.", city="Torino")
    login(page, sales_user)
    page.get_by_role("link", name="+ New deal").click()
    dialog = page.locator("dialog#quick-create")
    box = dialog.get_by_label("Account", exact=True)
    height = dialog.bounding_box()["height"]
    box.press_sequentially("Fiume", delay=20)
    listing = dialog.get_by_role("listbox")
    expect(listing.get_by_role("option")).to_have_count(8)
    shot(page, "quick-create-suggestions")
    # the list lies over the dialog's edge, not clipped by it: the dialog keeps its size and
    # the list's lowest row is what a click there reaches
    assert dialog.bounding_box()["height"] == height
    edge = listing.bounding_box()
    assert edge["y"] + edge["height"] > dialog.bounding_box()["y"] + height
    reached = page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y)?.closest('[role=listbox]')",
        [edge["x"] + edge["width"] / 2, edge["y"] + edge["height"] - 4],
    )
    assert reached
    last = listing.get_by_role("option").last
    last.click()  # every suggestion can be reached and picked
    expect(box).to_have_value(re.compile(r"^Fiume \d S\.r\.l\.$"))
