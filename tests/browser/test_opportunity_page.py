"""The opportunity page in real Chromium: inline edit, product lines driving the amount,
document upload and download, the stage bar, the lost dialog and quick create."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.conftest import serving
from webapp.extensions import db
from webapp.models import Opportunity
from webapp.opportunities import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def deal(create_opportunity):
    account = factories.account("Acme S.p.A.")
    return create_opportunity(name="Acme support", amount="0", account_id=account.id)


def _open(page, login, user, opp):
    login(page, user)
    page.goto(f"/opportunities/{opp.id}")
    expect(page.get_by_test_id("deal-name")).to_have_text(opp.name)


def test_inline_edit_one_field(page, login, sales_user, deal):
    _open(page, login, sales_user, deal)
    name_field = page.locator("#field-name")
    name_field.get_by_role("button", name="Acme support").click()
    editor = name_field.get_by_role("textbox", name="Name")
    expect(editor).to_have_value("Acme support")
    editor.fill("")
    name_field.get_by_role("button", name="Save").click()
    expect(name_field.locator(".invalid-feedback")).to_have_text("This field is required.")
    name_field.get_by_role("textbox", name="Name").fill("Acme support 2027")
    name_field.get_by_role("textbox", name="Name").press("Enter")
    expect(name_field.get_by_role("button", name="Acme support 2027")).to_be_visible()
    # the header and the timeline follow without a reload
    expect(page.get_by_test_id("deal-name")).to_have_text("Acme support 2027")
    expect(page.locator("[data-panel=timeline]")).to_contain_text("Acme support 2027")

    amount = page.locator("#field-amount")
    amount.get_by_role("button").first.click()
    amount.get_by_role("textbox", name="Amount").fill("-10")
    amount.get_by_role("button", name="Save").click()
    expect(amount.locator(".invalid-feedback")).to_contain_text("cannot be negative")
    expect(amount.get_by_role("textbox", name="Amount")).to_have_value("-10")
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).name == "Acme support 2027"


def test_stale_inline_edit_shows_conflict_and_keeps_input(page, login, sales_user, manager, deal):
    _open(page, login, sales_user, deal)
    field = page.locator("#field-objective")
    field.get_by_role("button").first.click()
    field.get_by_role("textbox", name="Objective").fill("4000")
    services.update_opportunity(manager, deal, {"objective": "7000"})  # meanwhile
    field.get_by_role("button", name="Save").click()
    expect(field.get_by_test_id("conflict")).to_contain_text("€7,000")
    expect(field.get_by_role("textbox", name="Objective")).to_have_value("4000")
    field.get_by_role("button", name="Save").click()  # save again: applied
    expect(field.get_by_role("button", name="€4,000")).to_be_visible()
    expect(page.locator("[data-figure=objective]")).to_have_text("€4,000")


def test_adding_a_product_line_changes_the_amount(page, login, sales_user, deal):
    factories.product("Support plan", "100")
    _open(page, login, sales_user, deal)
    expect(page.locator("[data-figure=amount]")).to_have_text("€0")
    products = page.locator("[data-panel=products]")
    products.get_by_label("Product").select_option(label="Support plan (€100)")
    products.get_by_label("Qty").fill("-3")
    products.get_by_role("button", name="Add line").click()
    expect(products.locator(".invalid-feedback")).to_contain_text("positive number")
    expect(products.get_by_label("Qty")).to_have_value("-3")
    products.get_by_label("Qty").fill("3")
    products.get_by_label("Discount %").fill("10")
    products.get_by_role("button", name="Add line").click()
    expect(products.get_by_test_id("lines-total")).to_have_text("€270")
    expect(page.locator("[data-figure=amount]")).to_have_text("€270")
    expect(page.get_by_test_id("amount-follows")).to_be_visible()
    expect(page.locator("#field-amount")).to_contain_text("€270")
    expect(page.locator("[data-panel=timeline]")).to_contain_text("Added Support plan x 3")
    products.get_by_role("button", name="Edit line Support plan").click()
    products.get_by_label("Quantity").fill("4")
    products.get_by_role("button", name="Save").click()
    expect(page.locator("[data-figure=amount]")).to_have_text("€360")


def test_upload_and_download_a_document(page, login, sales_user, deal, tmp_path):
    _open(page, login, sales_user, deal)
    docs = page.locator("[data-panel=documents]")
    docs.get_by_label("Document").set_input_files(
        {"name": "evil.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90"}
    )
    docs.get_by_role("button", name="Upload").click()
    expect(docs.locator(".invalid-feedback")).to_contain_text("not allowed")
    docs.get_by_label("Document").set_input_files(
        {"name": "Offer 2027.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    docs.get_by_role("button", name="Upload").click()
    link = docs.get_by_role("link", name="Offer 2027.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "Offer 2027.pdf"
    target = tmp_path / "got.pdf"
    download.save_as(target)
    assert target.read_bytes() == PDF


def test_stage_bar_and_lost_dialog(page, login, sales_user, pipeline, deal, lost_reason):
    """Moves answer in place (no reload); Close as lost opens the board's lost-reason dialog;
    Escape closes it with nothing saved."""
    _open(page, login, sales_user, deal)
    page.evaluate("window.samePage = true")  # gone if the page reloads
    demo = pipeline.stages[2]
    page.locator(f"button[data-stage='{demo.name}']").click()
    expect(page.locator(f"button[data-stage='{demo.name}']")).to_have_attribute(
        "aria-current", "step"
    )
    expect(page.get_by_test_id("deal-status")).to_have_text(demo.name)
    expect(page.locator("[data-panel=timeline]")).to_contain_text(demo.name)
    db.session.expire_all()
    version = db.session.get(Opportunity, deal.id).version
    expect(page.locator("#deal-header")).to_have_attribute("data-version", str(version))
    offer = page.locator("#schedule-activity")  # the prompt for the next activity
    expect(offer).to_contain_text(f"moved to {demo.name}")
    offer.get_by_role("button", name="Not now").click()
    expect(offer).to_be_hidden()

    page.get_by_role("button", name="Close as lost…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).status == "open"

    page.get_by_role("button", name="Close as lost…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Why was it lost?").select_option(label="Price too high")
    dialog.get_by_label("Note (optional)").fill("Went with Rival")
    dialog.get_by_role("button", name="Close as lost").click()
    expect(page.locator("dialog[data-move-dialog]")).to_have_count(0)
    expect(offer).to_contain_text("is lost. Plan when to check back?")
    expect(page.get_by_test_id("deal-status")).to_have_text("Lost")
    expect(page.get_by_text("Lost: Price too high — Went with Rival")).to_be_visible()
    assert page.evaluate("window.samePage") is True
    db.session.expire_all()
    stored = db.session.get(Opportunity, deal.id)
    assert stored.status == "lost" and stored.lost_reason_id == lost_reason.id
    assert stored.lost_note == "Went with Rival"


def test_quick_create_from_the_navigation(page, login, sales_user, pipeline):
    login(page, sales_user)
    page.get_by_role("link", name="+ New deal").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Create deal").click()
    expect(dialog.locator(".invalid-feedback").first).to_be_visible()  # name required
    dialog.get_by_label("Name").fill("Quick deal")
    dialog.get_by_label("Account").fill("Brand New Co")
    dialog.get_by_label("Amount").fill("1500")
    dialog.get_by_role("button", name="Create deal").click()
    expect(page.get_by_test_id("deal-name")).to_have_text("Quick deal")
    expect(page.locator("[data-figure=amount]")).to_have_text("€1,500")


@pytest.fixture
def csrf_server(make_app):
    """The same app with CSRF protection ON, served on a free port."""
    with serving(make_app(WTF_CSRF_ENABLED=True)) as server:
        yield server.url


def test_htmx_edits_carry_the_csrf_token(browser, csrf_server, login, sales_user, deal):
    context = browser.new_context(base_url=csrf_server)
    page = context.new_page()
    try:
        _open(page, login, sales_user, deal)
        notes = page.locator("[data-panel=notes]")
        notes.get_by_label("New note").fill("Checked with CSRF on")
        notes.get_by_role("button", name="Add note").click()
        expect(notes.locator("[data-note]")).to_contain_text("Checked with CSRF on")
        docs = page.locator("[data-panel=documents]")
        docs.get_by_label("Document").set_input_files(
            {"name": "a.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        docs.get_by_role("button", name="Upload").click()
        expect(docs.get_by_role("link", name="a.pdf")).to_be_visible()
        field = page.locator("#field-close_date")
        field.get_by_role("button").first.click()
        field.get_by_label("Expected close").fill(date(2027, 6, 30).isoformat())
        field.get_by_role("button", name="Save").click()
        expect(field).to_contain_text("Jun 30, 2027")  # shown as the reader's locale writes it
    finally:
        context.close()


def test_stale_stage_click_explains_and_keeps_the_page(
    page, login, sales_user, manager, pipeline, deal
):
    _open(page, login, sales_user, deal)
    services.move_stage(manager, deal, pipeline.stages[1].id)  # meanwhile
    page.locator(f"button[data-stage='{pipeline.stages[3].name}']").click()
    expect(page.locator("#stage-feedback .alert")).to_contain_text("changed this deal meanwhile")
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).stage_id == pipeline.stages[1].id


def test_partner_picked_from_search_and_older_timeline_entries(page, login, sales_user, deal):
    factories.account("Partner Networks Srl")
    for i in range(25):
        services.update_opportunity(sales_user, deal, {"objective": str(100 + i)})
    _open(page, login, sales_user, deal)
    partners = page.locator("[data-panel=partners]")
    partners.get_by_label("Add a partner").press_sequentially("Partner Net", delay=30)
    partners.get_by_role("option", name="Partner Networks Srl").click()
    partners.get_by_role("button", name="Add", exact=True).click()
    expect(partners.locator("[data-account]")).to_contain_text("Partner Networks Srl")
    timeline = page.locator("[data-panel=timeline]")
    expect(timeline.locator("[data-entry]").first).to_contain_text("Added partner")  # refreshed
    expect(timeline.locator("[data-entry]")).to_have_count(20)
    timeline.get_by_role("button", name="Older entries").click()
    expect(timeline.locator("[data-entry]")).to_have_count(27)  # 25 edits, created, partner
    expect(timeline.locator("[data-entry]").last).to_contain_text("Created in")


def test_quick_create_from_a_contact_prefills_account_and_contact(
    page, login, sales_user, pipeline
):
    account = factories.account("Folder Co")
    anna = factories.contact(account, first_name="Anna", last_name="Rossi")
    login(page, sales_user)
    page.goto("/board")
    page.evaluate(  # the contact page's "+ New deal" asks for this URL the same way
        "url => htmx.ajax('GET', url, {target: '#modal-root'})",
        f"/opportunities/new?contact_id={anna.id}",
    )
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Account")).to_have_value("Folder Co")
    expect(dialog).to_contain_text("Contact: Anna Rossi")
    dialog.get_by_label("Name").fill("Anna's deal")
    dialog.get_by_role("button", name="Create deal").click()
    expect(page.get_by_test_id("deal-name")).to_have_text("Anna's deal")
    contacts = page.locator("[data-panel=contacts]")
    expect(contacts).to_contain_text("Anna Rossi")
    expect(contacts).to_contain_text("primary")
