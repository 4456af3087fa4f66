"""The board in Persian, right to left, in real Chromium at desktop width: the first stage is
the rightmost column, the arrow keys move a card the mirrored way (and the move is saved),
the won/lost zones mirror too, and nothing scrolls sideways."""

from playwright.sync_api import expect

from webapp.extensions import db
from webapp.models import Opportunity


def test_persian_board_flows_right_to_left(
    new_page, login, sales_user, pipeline, create_opportunity, tmp_path
):
    sales_user.locale = "fa"
    db.session.commit()
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    deal = create_opportunity(name="Arrow deal", amount="5000")
    page = new_page(locale="fa-IR")
    login(page, sales_user)

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    board = page.locator("#board")
    assert board.evaluate("el => getComputedStyle(el).direction") == "rtl"
    first = page.locator(f"#column-{new.id}").bounding_box()
    second = page.locator(f"#column-{qualification.id}").bounding_box()
    assert first["x"] > second["x"]  # the first stage on the right, the next to its left
    expect(page.locator(f"#column-{new.id} [data-count]")).to_have_text("۱ فرصت فروش")
    zones = page.locator(".board-dropzone")
    won, lost = zones.nth(0).bounding_box(), zones.nth(1).bounding_box()
    assert won["x"] > lost["x"]  # won first, on the right
    page.screenshot(path=str(tmp_path / "board-fa.png"), full_page=True)

    # ArrowLeft: toward the next stage, on the left of the screen.
    page.locator(f"#card-title-{deal.id}").focus()
    page.keyboard.press("ArrowLeft")
    moved = page.locator(f"#column-{qualification.id} #card-{deal.id}")
    expect(moved).to_be_visible()
    expect(page.locator(f"#card-title-{deal.id}")).to_be_focused()
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).stage_id == qualification.id
    # ArrowRight: back toward the first stage, on the right.
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#column-{new.id} #card-{deal.id}")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).stage_id == new.id

    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
