"""The deals list and an import's mapping page in Persian, in real Chromium on a desktop and
on a phone: the page runs right to left and nothing sticks out sideways (the wide table
scrolls inside its own box)."""

import pytest
from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import User

WIDTHS = ((1280, 900), (390, 844))
CSV = (
    "Nome;Azienda;Importo;Data chiusura;Note\r\n"
    "Fornitura caffè per tutte le sedi;Caffè Rossi srl;1.500,50;03/04/2026;Cliente storico\r\n"
)


def overflow(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth - innerWidth")


@pytest.fixture
def persian(sales_user):
    sales_user.locale = "fa"
    db.session.commit()
    return db.session.get(User, sales_user.id)


@pytest.mark.parametrize("viewport", WIDTHS, ids=("desktop", "phone"))
def test_the_deals_list_in_persian_has_no_horizontal_overflow(
    new_page, login, persian, create_opportunity, create_account, viewport, tmp_path
):
    account = create_account("شرکت بازرگانی نمونه با نامی بلند برای آزمایش")
    for index in range(3):
        create_opportunity(
            name=f"قرارداد پشتیبانی سالانه شماره {index}", amount="1234567.89",
            account_id=account.id,
        )  # fmt: skip
    page = new_page(viewport=viewport)
    login(page, persian)
    page.goto("/opportunities")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_text("قرارداد پشتیبانی سالانه شماره 0")).to_be_visible()
    page.screenshot(path=str(tmp_path / f"deals-fa-{viewport[0]}.png"), full_page=True)
    assert overflow(page) <= 0
    # The first column of the table starts at the right edge of its box.
    table = page.locator("table").first.bounding_box()
    first = page.locator("table thead th").first.bounding_box()
    assert first["x"] + first["width"] >= table["x"] + table["width"] - 2


@pytest.mark.parametrize("viewport", WIDTHS, ids=("desktop", "phone"))
def test_an_import_mapping_page_in_persian(new_page, login, persian, viewport, tmp_path):
    path = tmp_path / "trattative.csv"
    path.write_bytes(CSV.encode("utf-8"))
    page = new_page(viewport=viewport)
    login(page, persian)
    page.goto("/imports/new?entity=opportunity")
    page.locator("#import-file").set_input_files(str(path))
    page.get_by_role("button", name="بارگذاری و تطبیق ستون‌ها").click()
    page.wait_for_url("**/mapping")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", name="نحوه خواندن فایل")).to_be_visible()
    assert page.locator("#col-0").input_value() == "name"
    page.screenshot(path=str(tmp_path / f"mapping-fa-{viewport[0]}.png"), full_page=True)
    assert overflow(page) <= 0


def test_the_selection_bar_counts_in_persian(new_page, login, persian, create_opportunity):
    """The bar's texts are filled in by mass.js: in the reader's language and digits."""
    for index in range(3):
        create_opportunity(name=f"Deal {index}")
    page = new_page()
    login(page, persian)
    page.goto("/opportunities")
    boxes = page.locator("#deal-list tbody input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    bar = page.locator("#mass-form")
    expect(bar.locator("[data-mass-count]")).to_have_text("۲ مورد انتخاب شد.")
    select_all = bar.locator("[data-mass-all]")
    expect(select_all).to_have_text("انتخاب همه ۳ فرصت فروش مطابق فیلتر")
    select_all.click()
    expect(bar.locator("[data-mass-count]")).to_have_text(
        "همه ۳ فرصت فروش مطابق فیلتر انتخاب شدند."
    )
