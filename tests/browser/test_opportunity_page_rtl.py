"""The opportunity page in Persian, on a phone and a laptop: right to left, nothing wider
than the screen, Persian words and digits (a screenshot of each is kept for a person)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_phone import OVERFLOW
from webapp.extensions import db
from webapp.opportunities import activities, notes, relations, services

SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/opportuno-screenshots"))


@pytest.fixture
def persian_deal(sales_user, create_opportunity):
    """A deal with long names in every panel, its owner reading Persian."""
    account = factories.account("شرکت بازرگانی آریا و همکاران سهامی خاص")
    deal = create_opportunity(
        name="آموزش فروش ۲۰۲۶ و راه‌اندازی در همه دفترهای منطقه‌ای",
        account_id=account.id,
        amount="0",
    )
    product = factories.product("Managed hosting, premium support, 24x7", "1234.56")
    services.add_line(
        sales_user, deal, {"product_id": product.id, "quantity": "12", "discount": "5"}
    )
    contact = factories.contact(account, first_name="علیرضا", last_name="محمدی‌نژاد")
    relations.add_contact(sales_user, deal, contact.id, "decision_maker")
    activities.create_activity(
        sales_user,
        deal,
        {"kind": "call", "subject": "تماس با واحد خرید", "due_at": "2030-01-15 10:00"},
    )
    notes.add_note(sales_user, deal, "بودجه در اسفند تصویب می‌شود.")
    sales_user.locale = "fa"
    db.session.commit()
    return deal


@pytest.mark.parametrize("width", [390, 1280])
def test_the_page_reads_right_to_left_and_fits(new_page, login, sales_user, persian_deal, width):
    page = new_page(viewport=(width, 900))
    login(page, sales_user)
    page.goto(f"/opportunities/{persian_deal.id}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"opportunity-fa-{width}.png"), full_page=True)
    for panel in ("products", "contacts"):
        path = SHOTS / f"opportunity-fa-{width}-{panel}.png"
        page.locator(f"[data-panel={panel}]").screenshot(path=str(path))
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    expect(page.locator("[data-panel=overview] h2")).to_have_text("نمای کلی")
    expect(page.locator("[data-figure=amount]")).to_contain_text("۱۴٬۰۷۳٫۹۸")  # 12 × 1234.56 − 5%
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["inner"], found
    # The Overview's labels sit on the right of their values (the start of a Persian line).
    label = page.locator("[data-panel=overview] dt").first.bounding_box()
    value = page.locator("[data-panel=overview] dd").first.bounding_box()
    if width >= 576:  # side by side from Bootstrap's sm breakpoint, stacked below it
        assert label["x"] > value["x"]
    table = page.locator("[data-panel=products] .table-responsive")
    assert table.evaluate("(box) => box.scrollWidth <= box.clientWidth")
