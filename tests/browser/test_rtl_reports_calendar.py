"""The forecast report and the week calendar in Persian, in real Chromium at 1280 px: the page
runs right to left, the chart is mirrored (the first month on the right, the value axis on
the right), and nothing overflows sideways."""

import os
from datetime import date, timedelta

from playwright.sync_api import expect

from webapp.models._base import utcnow
from webapp.opportunities import activities

SHOTS = os.environ.get("RTL_SCREENSHOTS")  # a folder to keep the screenshots in, to look at


def _overflow(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth - innerWidth")


def test_the_persian_forecast_runs_right_to_left(new_page, login, manager, create_opportunity):
    for months, amount in ((0, "1200"), (1, "5400"), (2, "2500")):
        close = date.today().replace(day=1) + timedelta(days=32 * months + 3)
        create_opportunity(name=f"Deal {months}", amount=amount, close_date=close.isoformat())
    page = login(new_page(locale="fa-IR", viewport=(1280, 900)), manager)
    page.goto("/reports/forecast")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    chart = page.locator("figure.report-chart").first
    expect(chart).to_be_visible()
    assert chart.evaluate("e => getComputedStyle(e).direction") == "rtl"
    # Mirrored: the month labels under the bars run from right to left, the first on the right.
    labels = chart.locator("svg text[text-anchor='middle']")
    xs = [float(labels.nth(i).get_attribute("x")) for i in range(labels.count())]
    assert len(xs) >= 3 and xs == sorted(xs, reverse=True)
    ticks = chart.locator("svg text[text-anchor='start']")  # the value axis, on the right
    assert ticks.count() and float(ticks.first.get_attribute("x")) > 600
    assert _overflow(page) <= 0
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "forecast-fa-1280.png"), full_page=True)


def test_the_persian_week_calendar_runs_right_to_left(new_page, login, sales_user,
                                                     create_opportunity):
    deal = create_opportunity(name="Ponte Nord")
    due = utcnow() + timedelta(days=1)
    activities.create_activity(sales_user, deal, {
        "subject": "Chiamata Anna", "duration_minutes": "30",
        "due_at": due.strftime("%Y-%m-%dT10:00"),
    })
    page = login(new_page(locale="fa-IR", viewport=(1280, 900)), sales_user)
    page.goto(f"/activities/calendar?week={due.date().isoformat()}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    grid = page.locator("table.calendar-grid")
    expect(grid).to_be_visible()
    assert grid.evaluate("e => getComputedStyle(e).direction") == "rtl"
    # The hours column is the first, so on the right; Monday comes next to it.
    hours = grid.locator("thead th").first.bounding_box()
    monday = grid.locator("thead th").nth(1).bounding_box()
    assert hours["x"] > monday["x"]
    expect(page.locator(".calendar-chip", has_text="Chiamata Anna")).to_be_visible()
    expect(grid.locator("tbody th").first).to_have_text("۰۷:۰۰")
    assert _overflow(page) <= 0
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "calendar-fa-1280.png"), full_page=True)
