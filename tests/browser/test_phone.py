"""The pages on a phone (390 x 844, an iPhone 12-14): nothing scrolls sideways, and the board
shows one stage at a time with tabs, its filters folded, moves through the card's menu."""

import re
import time

from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.browser.htmx import settled
from webapp.extensions import db
from webapp.leads.services import create_lead
from webapp.models import Opportunity
from webapp.opportunities.activities import create_activity
from webapp.opportunities.notes import add_note
from webapp.opportunities.services import add_line

PHONE = (390, 844)
# What overflows the screen, outside any element that scrolls or clips it (for the message).
OVERFLOW = """() => {
  const clipped = (e) => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll("body *")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width && r.right > innerWidth + 1 && !clipped(e);
  }).slice(0, 5).map((e) => `${e.tagName}.${e.className}#${e.id}`);
  return {scroll: document.scrollingElement.scrollWidth, inner: innerWidth, wide};
}"""


def test_no_page_scrolls_sideways_on_a_phone(
    new_page, login, admin, pipeline, create_opportunity, lost_reason
):
    account = factories.account("Arya Consulting International S.r.l.", city="Milano")
    contact = factories.contact(account, last_name="Bianchi-Lombardini", first_name="Alessandra")
    product = factories.product("Managed hosting, premium support, 24x7", "1250")
    opp = create_opportunity(
        name="Verde training 2026 and the long rollout across every regional office",
        account_id=account.id,
        user=admin,
        amount="0",
    )
    add_line(
        admin,
        opp,
        {"product_id": product.id, "quantity": "12", "unit_price": "1250", "discount": "5"},
    )
    create_activity(
        admin,
        opp,
        {"kind": "call", "subject": "Call the purchasing office", "due_at": "2030-01-15 10:00"},
    )
    add_note(admin, opp, "Prefers e-mail; the budget is approved in March.")
    lead = create_lead(
        admin,
        {"first_name": "Giovanni", "last_name": "Verdi", "company": "Verdi Impianti Elettrici"},
    )
    page = new_page(viewport=PHONE)
    login(page, admin)
    urls = [
        "/board",
        "/board?owner=all",
        f"/opportunities/{opp.id}",
        f"/opportunities/{opp.id}/stage",
        "/opportunities",
        "/opportunities?owner=all&status=all",
        "/accounts",
        f"/accounts/{account.id}",
        "/contacts",
        f"/contacts/{contact.id}",
        "/leads",
        "/leads/new",
        "/opportunities/new",
        "/reports/",
        "/reports/forecast",
        "/reports/pipeline",
        "/imports",
        "/imports/new?entity=opportunity",
        "/admin/",
        "/admin/pipelines/",
        "/trash",
        f"/leads/{lead.id}",
    ]
    wide = {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("load")
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > found["inner"]:
            wide[url] = found
    assert not wide, wide
    # The products table fits its panel too (no scrolling inside it to reach Remove).
    page.goto(f"/opportunities/{opp.id}")
    table = page.locator("[data-panel=products] .table-responsive")
    assert table.evaluate("(box) => box.scrollWidth <= box.clientWidth")


def test_board_on_a_phone_one_stage_at_a_time(
    new_page, login, sales_user, pipeline, create_opportunity, lost_reason
):
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    deals = [create_opportunity(name=f"Phone deal {i}") for i in range(6)]
    create_opportunity(name="Qualified one", stage_id=qualification.id)
    page = new_page(viewport=PHONE)
    login(page, sales_user)

    # The filters are folded behind a button; the stage tabs come first.
    expect(page.get_by_label("Owner")).to_be_hidden()
    page.get_by_role("button", name="Filters").click()
    expect(page.get_by_label("Owner")).to_be_visible()
    expect(page.locator("#board-filter-fields")).to_have_class(re.compile(r"\bshow\b"))
    page.get_by_role("button", name="Filters").click()
    expect(page.get_by_label("Owner")).to_be_hidden()

    tabs = page.get_by_role("navigation", name="Stages")
    expect(tabs).to_be_visible()
    board = page.locator("#board")
    first, second = page.locator(f"#column-{new.id}"), page.locator(f"#column-{qualification.id}")
    width = board.bounding_box()["width"]
    assert abs(first.bounding_box()["width"] - width) < 2  # one column fills the screen
    expect(first.get_by_text("Phone deal 0")).to_be_in_viewport()
    expect(second.get_by_text("Qualified one")).not_to_be_in_viewport()

    tabs.get_by_role("link", name=qualification.name).click()
    expect(second.get_by_text("Qualified one")).to_be_in_viewport()
    expect(tabs.get_by_role("link", name=qualification.name)).to_have_attribute(
        "aria-current", "true"
    )
    tabs.get_by_role("link", name=new.name).click()
    expect(first.get_by_text("Phone deal 0")).to_be_in_viewport()

    # The won/lost zones come after the cards, not over them.
    last_card = page.locator(f"#card-{deals[0].id}")
    last_card.scroll_into_view_if_needed()
    zones = page.locator(".board-closing").bounding_box()
    cards = page.locator(f"#cards-{new.id}").bounding_box()
    assert zones["y"] >= cards["y"] + cards["height"] - 1

    # Moving: through the card's menu.
    mover = deals[0]
    card = page.locator(f"#card-{mover.id}")
    card.get_by_role("link", name="Actions").click()
    card.get_by_role("button", name=qualification.name).click()
    expect(second.locator(f"#card-{mover.id}")).to_have_count(1)
    expect(second.locator("[data-count]")).to_have_text("2 deals")
    db.session.expire_all()
    assert db.session.get(Opportunity, mover.id).stage_id == qualification.id
    assert db.session.scalar(select(db.func.count()).select_from(Opportunity)) == 7


def test_a_stage_pressed_in_a_slow_card_menu_moves_the_deal(
    app, new_page, login, sales_user, pipeline, create_opportunity
):
    """The card's menu opens on "Loading…" and fills when the server answers. The stage a
    person then presses near the bottom of the screen stays under the finger until it is
    released (it used to jump: the press focused the item, the board scrolled to show it,
    the menu flipped upwards, and the release landed on the board: nothing moved)."""
    qualification = pipeline.stages[1]
    deals = [create_opportunity(name=f"Phone deal {i}") for i in range(6)]
    answer = app.wsgi_app

    def busy_server(environ, start_response):  # a busy server: the menu's items come late
        if environ["PATH_INFO"].endswith("/card-actions"):
            time.sleep(0.5)
        return answer(environ, start_response)

    app.wsgi_app = busy_server
    page = new_page(viewport=PHONE)
    login(page, sales_user)
    card = page.locator(f"#card-{deals[0].id}")
    card.scroll_into_view_if_needed()
    card.get_by_role("link", name="Actions").click()
    item = card.get_by_role("button", name=qualification.name)
    expect(item).to_be_visible()
    settled(page)
    menu = card.locator(".dropdown-menu").bounding_box()
    assert menu["y"] >= 0 and menu["y"] + menu["height"] <= PHONE[1]  # all on the screen
    box = item.bounding_box()

    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.up()
    expect(page.locator(f"#column-{qualification.id} #card-{deals[0].id}")).to_have_count(1)
    db.session.expire_all()
    assert db.session.get(Opportunity, deals[0].id).stage_id == qualification.id
