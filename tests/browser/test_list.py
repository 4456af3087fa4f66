"""The deals list in real Chromium: search as you type, a filter, a column, a sort, a saved
view that the list opens with after a reload; the rows shown checked against the database."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Opportunity, SavedView

SHOTS = "/tmp/opportuno-list-shots"


def shown_ids(page) -> list[int]:
    return [
        int(i)
        for i in page.locator("#deal-list tbody tr[data-deal]").evaluate_all(
            "rows => rows.map(r => r.dataset.deal)"
        )
    ]


def test_search_filter_columns_sort_and_saved_view(
    page, login, sales_user, pipeline, create_opportunity
):
    import os

    os.makedirs(SHOTS, exist_ok=True)
    later = pipeline.stages[1]
    for i, amount in enumerate(["1200", "300", "8000", "4500", "700"]):
        create_opportunity(name=f"Rollout {i}", amount=amount, account_name=f"Fiume {i}")
    create_opportunity(name="Training", amount="9999")
    for opp in db.session.scalars(
        select(Opportunity).where(Opportunity.name.in_(["Rollout 2", "Rollout 4", "Rollout 3"]))
    ):
        opp.stage_id = later.id
    db.session.commit()
    login(page, sales_user)
    page.goto("/opportunities")
    expect(page.locator("[data-testid=deal-count]")).to_have_text("6 deals")
    page.screenshot(path=f"{SHOTS}/deals-list.png", full_page=True)

    page.get_by_label("Search").type("rollout", delay=30)
    expect(page.locator("[data-testid=deal-count]")).to_have_text("5 deals")
    expect(page).to_have_url(re.compile(r"q=rollout"))
    page.locator("#filter-stage").select_option(str(later.id))
    expect(page.locator("[data-testid=deal-count]")).to_have_text("3 deals")

    page.get_by_role("button", name="Columns").click()
    page.screenshot(path=f"{SHOTS}/column-chooser.png")
    chooser = page.locator("[data-column-chooser]")
    chooser.get_by_label("Probability", exact=True).check()
    chooser.get_by_label("Close date", exact=True).uncheck()
    chooser.get_by_role("button", name="Apply").click()
    expect(page.locator('#deal-list th[data-col="probability"]')).to_be_visible()
    expect(page.locator('#deal-list th[data-col="close_date"]')).to_have_count(0)

    page.locator('#deal-list th[data-col="amount"] a').click()  # ascending
    expect(page.locator('#deal-list th[data-col="amount"]')).to_have_attribute(
        "aria-sort", "ascending"
    )
    page.locator('#deal-list th[data-col="amount"] a').click()  # descending
    expect(page.locator('#deal-list th[data-col="amount"]')).to_have_attribute(
        "aria-sort", "descending"
    )
    want = [
        o.id
        for o in sorted(
            db.session.scalars(
                select(Opportunity).where(
                    Opportunity.name.like("Rollout%"), Opportunity.stage_id == later.id
                )
            ),
            key=lambda o: (-o.amount, -o.id),
        )
    ]
    assert shown_ids(page) == want
    # The filter form keeps the chosen columns and sort when a filter changes.
    page.get_by_label("Search").fill("rollout")
    with page.expect_response(lambda r: "/opportunities?" in r.url):
        page.get_by_label("Search").press("Enter")
    expect(page).to_have_url(re.compile(r"cols=.*probability.*sort=-amount"))
    expect(page.locator('#deal-list th[data-col="probability"]')).to_be_visible()

    page.get_by_role("button", name="Views").click()
    page.get_by_label("Save the current filters and columns as").fill("Late rollouts")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("button", name="View: Late rollouts")).to_be_visible()
    view = db.session.scalars(select(SavedView)).one()
    assert view.query["q"] == ["rollout"] and view.query["sort"] == ["-amount"]
    assert [c["key"] for c in view.columns][-1] == "probability"
    page.get_by_role("button", name="View: Late rollouts").click()
    page.get_by_role("button", name="Open this list with this view").click()

    page.goto("/opportunities")  # no parameters: the default view
    expect(page).to_have_url(re.compile(rf"view={view.id}"))
    expect(page.locator("[data-testid=deal-count]")).to_have_text("3 deals")
    assert shown_ids(page) == want
    expect(page.locator('#deal-list th[data-col="probability"]')).to_be_visible()
    page.reload()
    assert shown_ids(page) == want
    page.screenshot(path=f"{SHOTS}/deals-view.png", full_page=True)


def test_totals_of_a_long_list_arrive_after_its_rows(
    page, login, sales_user, create_opportunity, monkeypatch
):
    """Longer than a page, the list shows its rows first, then fetches its totals; the
    selection bar's "select all" counts every matching deal once they are in."""
    from webapp.opportunities import listing

    monkeypatch.setattr(listing.SPEC, "per_page", 2)
    for i, amount in enumerate(["1000", "250", "2500", "40"]):
        create_opportunity(name=f"Long {i}", amount=amount)
    login(page, sales_user)
    page.goto("/opportunities?q=long")
    expect(page.locator("#deal-list tbody tr[data-deal]")).to_have_count(2)
    expect(page.locator("[data-testid=deal-count]")).to_have_text("4 deals")
    expect(page.locator('[data-total="amount"]')).to_have_text("€3,790")
    expect(page.locator("[data-totals-pending]")).to_have_count(0)
    page.locator('#deal-list input[name="ids"]').first.check()
    select_all = page.locator("[data-mass-all]")
    expect(select_all).to_have_text("Select all 4 deals matching the filter")
    select_all.click()
    expect(page.locator("[data-mass-count]")).to_have_text(
        "All 4 deals matching the filter are selected."
    )
    # The next page (htmx) fetches them again, for the same filters.
    page.get_by_role("link", name="Next").click()
    expect(page).to_have_url(re.compile(r"after=\d+"))
    expect(page.locator("[data-testid=deal-count]")).to_have_text("4 deals")
