"""The Quotes panel in real Chromium, against the fake ERPNext on 127.0.0.1 (tests/erp_fake)."""

import json
import os

import httpx
from playwright.sync_api import expect

from plugins.erp_quotes import signatures
from tests.erp_fake import (  # noqa: F401  (fixtures)
    WEBHOOK_SECRET,
    deal_fixture,
    erp_app_fixture,
    erp_fixture,
)

SCREENSHOTS = os.environ.get("ERP_QUOTES_SCREENSHOTS")  # a folder, to look at the panel


def _shot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_create_a_quote_see_it_accepted_and_close_won(
    page, login, sales_user, deal, erp, live_server
):
    login(page, sales_user)
    page.goto(f"/opportunities/{deal.id}")
    panel = page.locator('[data-panel="quotes"]')
    expect(panel).to_contain_text("No quote yet.")

    panel.get_by_role("button", name="Create quote from 2 product lines").click()

    row = panel.locator("tr[data-quote]")
    expect(row).to_have_count(1)
    (name,) = erp.quotations
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("€1,200")
    expect(row.get_by_role("link", name="Open in ERPNext")).to_have_attribute(
        "href", f"{erp.url}/app/quotation/{name}"
    )
    _shot(page, "quotes-created")

    # The customer orders at a negotiated 1,150: ERPNext marks the quote Ordered and pushes it.
    erp.set_total(name, 1150)
    body = json.dumps(erp.set_status(name, "Ordered")).encode()
    answer = httpx.post(
        f"{live_server.url}/erp-quotes/webhook",
        content=body,
        headers={signatures.HEADER: signatures.sign(WEBHOOK_SECRET, body)},
        timeout=5,
    )
    assert answer.status_code == 200

    panel.get_by_role("button", name="Refresh from the ERP").click()
    expect(row).to_contain_text("Accepted")
    offer = panel.locator('[data-offer="close-won"]')
    expect(offer).to_contain_text("the deal's amount is now €1,150")
    expect(page.locator("body")).to_contain_text("Amount taken from the accepted quote")
    timeline = page.locator('[data-panel="timeline"]')
    expect(timeline).to_contain_text(f"Quote {name}: draft → accepted (from the ERP)")
    _shot(page, "quotes-accepted")

    offer.get_by_role("button", name="Close the deal won").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator('[data-panel="quotes"] [data-offer="close-won"]')).to_have_count(0)
    expect(page.get_by_text("Won").first).to_be_visible()


def test_an_erp_outage_shows_a_message_and_the_retry_works(page, login, sales_user, deal, erp):
    erp.fail_status = 503
    login(page, sales_user)
    page.goto(f"/opportunities/{deal.id}")
    panel = page.locator('[data-panel="quotes"]')

    panel.get_by_role("button", name="Create quote from 2 product lines").click()

    expect(panel.locator("[data-erp-error]")).to_contain_text("HTTP 503")
    expect(panel.locator("tr[data-quote]")).to_contain_text("Pending")
    _shot(page, "quotes-outage")

    erp.fail_status = None
    panel.get_by_role("button", name="Retry").click()
    expect(panel.locator("tr[data-quote]")).to_contain_text("Draft")
    assert len(erp.quotations) == 1
