"""A Persian reader types Solar Hijri dates, in Persian digits, where the others get the
browser's (Gregorian) date picker: the deal's close date edited in place, a wrong date refused
with its message and the typed text kept, then saved as the Gregorian day it names."""

from datetime import date

from playwright.sync_api import expect

from tests.browser.htmx import settled
from webapp.extensions import db
from webapp.models import Opportunity


def test_a_persian_reader_edits_the_close_date_in_the_solar_calendar(
    new_page, login, sales_user, create_opportunity
):
    deal = create_opportunity(name="Azar deal", close_date="2026-12-01")
    sales_user.locale = "fa"
    db.session.commit()
    page = new_page()
    login(page, sales_user)
    page.goto(f"/opportunities/{deal.id}")
    field = page.locator("#field-close_date")
    expect(field).to_contain_text("۱۰ آذر ۱۴۰۵")
    field.get_by_role("button").first.click()
    box = field.locator("input[name=close_date]")
    expect(box).to_have_value("۱۴۰۵/۰۹/۱۰")
    expect(box).to_have_attribute("type", "text")
    settled(page)

    box.fill("۱۴۰۵/۱۳/۰۱")  # there is no 13th month
    box.press("Enter")
    expect(field.locator(".invalid-feedback")).to_be_visible()
    expect(box).to_have_value("۱۴۰۵/۱۳/۰۱")
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).close_date == date(2026, 12, 1)

    settled(page)
    box.fill("۱۴۰۵/۱۰/۰۱")
    box.press("Enter")
    expect(field).to_contain_text("۱ دی ۱۴۰۵")
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).close_date == date(2026, 12, 22)
