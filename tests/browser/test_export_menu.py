"""The export menu of the deals list in Chromium: the current filter of the page, the rows
checked in the list (``ids`` boxes of the mass actions) and the XLSX download."""

import csv
import os

from openpyxl import load_workbook
from playwright.sync_api import expect


def test_export_menu_sends_filter_and_checked_rows(
    new_page, login, sales_user, create_opportunity, tmp_path
):
    alpha = create_opportunity(name="Alpha rollout", account_name="Zeta Industries")
    create_opportunity(name="Beta pilot")
    gamma = create_opportunity(name="Gamma upgrade")
    page = login(new_page(), sales_user)
    page.goto("/opportunities")

    # No row boxes on the page: "Selected rows" is off; the search typed in the list goes.
    page.get_by_label("Search", exact=True).fill("zeta")
    page.wait_for_url("**q=zeta**")
    page.get_by_text("Export", exact=True).click()
    expect(page.get_by_label("Selected rows")).to_be_disabled()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    with open(download.value.path(), encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [r[0] for r in rows[1:]] == ["Alpha rollout"]
    assert download.value.suggested_filename.startswith("deals-")

    # The rows a person ticks in the list (the mass actions' boxes, form="mass-form").
    page.goto("/opportunities")
    for deal in (alpha, gamma):
        page.locator(f'tr[data-deal="{deal.id}"] input[name="ids"]').check()
    page.get_by_text("Export", exact=True).click()
    # The menu's toggle event (which ticks "Selected rows") fires a moment after the click.
    selected = page.get_by_label("Selected rows")
    expect(selected).to_be_enabled()
    expect(selected).to_be_checked()
    expect(page.locator("[data-export-count]")).to_contain_text("(2)")
    page.get_by_label("Excel (XLSX)").check()
    page.get_by_label("All fields, custom ones included").check()
    page.screenshot(path=str(tmp_path / "export-menu.png"), full_page=False)
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], "export-menu.png"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    values = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    assert values[0][:2] == ["External ID", "Name"]
    assert sorted(r[1] for r in values[1:]) == ["Alpha rollout", "Gamma upgrade"]
