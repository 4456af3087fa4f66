"""The board in real Chromium: drag and drop, totals, lost reason, keyboard path, conflicts."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import Opportunity, PluginEnablement, User


def drag(page, source, target, *, y_offset: float = 0.5) -> None:
    """SortableJS (fallback mode) needs real, stepped mouse moves."""
    start = source.bounding_box()
    end = target.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + 30
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 8, y0 + 8, steps=4)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] * y_offset, steps=25)
    page.mouse.up()


def stored(opp) -> Opportunity:
    db.session.expire_all()
    return db.session.get(Opportunity, opp.id)


def column(page, stage):
    return page.locator(f"#column-{stage.id}")


def test_drag_to_the_next_stage_persists_and_updates_totals(
    page, login, sales_user, pipeline, create_opportunity
):
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    mover = create_opportunity(name="Drag me", amount="5000")
    create_opportunity(name="Stay here", amount="1000")
    login(page, sales_user)
    expect(column(page, new).locator("[data-count]")).to_have_text("2 deals")
    expect(column(page, qualification).locator("[data-count]")).to_have_text("0 deals")

    drag(page, page.locator(f"#card-{mover.id}"), page.locator(f"#cards-{qualification.id}"))

    expect(column(page, qualification).locator("[data-count]")).to_have_text("1 deal")
    expect(column(page, qualification).locator("[data-total]")).to_have_text("€5K")
    expect(column(page, qualification).locator("[data-weighted]")).to_have_text("≈ €1K")
    expect(column(page, new).locator("[data-count]")).to_have_text("1 deal")
    expect(column(page, new).locator("[data-total]")).to_have_text("€1K")
    moved = column(page, qualification).locator(f"#card-{mover.id}")
    expect(moved).to_have_attribute("data-version", str(stored(mover).version))
    assert stored(mover).stage_id == qualification.id

    page.reload()
    expect(column(page, qualification).locator(f"#card-{mover.id}")).to_be_visible()
    expect(column(page, qualification).locator("[data-count]")).to_have_text("1 deal")


def test_drop_on_lost_asks_for_the_reason_and_cancel_puts_the_card_back(
    page, login, sales_user, pipeline, create_opportunity, lost_reason
):
    new, lost = pipeline.stages[0], pipeline.stage_of_kind("lost")
    doomed = create_opportunity(name="Doomed deal", amount="2000")
    create_opportunity(name="Neighbour", amount="1000")
    login(page, sales_user)
    card = page.locator(f"#card-{doomed.id}")

    drag(page, card, page.locator(f"#dropzone-{lost.id}"))
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Why was it lost?")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    expect(column(page, new).locator(f"#card-{doomed.id}")).to_be_visible()
    assert stored(doomed).status == "open"

    drag(page, card, page.locator(f"#dropzone-{lost.id}"))
    dialog = page.locator("dialog[open]")
    dialog.get_by_role("button", name="Close as lost").click()  # no reason chosen yet
    expect(dialog.get_by_text("Say why the deal was lost.")).to_be_visible()
    dialog.get_by_label("Why was it lost?").select_option(label="Price too high")
    dialog.get_by_label("Note (optional)").fill("Went with the cheaper offer")
    dialog.get_by_role("button", name="Close as lost").click()
    expect(page.locator("dialog[open]:not(#schedule-activity)")).to_have_count(0)
    expect(page.locator(f"#card-{doomed.id}")).to_have_count(0)
    expect(column(page, new).locator("[data-count]")).to_have_text("1 deal")
    expect(page.locator("#board-alerts")).to_contain_text("closed lost")
    closed = stored(doomed)
    assert closed.status == "lost" and closed.lost_reason_id == lost_reason.id
    assert closed.lost_note == "Went with the cheaper offer"


def test_keyboard_path_moves_the_card_and_keeps_the_focus(
    page, login, sales_user, pipeline, create_opportunity
):
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    opp = create_opportunity(name="Keyboard deal")
    other = create_opportunity(name="Other deal")
    login(page, sales_user)
    # No stage selector until a card has the keyboard's focus; then the board's one mover.
    expect(page.get_by_label("Stage of Keyboard deal")).to_have_count(0)
    page.get_by_role("link", name="Other deal", exact=True).focus()
    page.keyboard.press("Tab")  # the menu
    expect(page.locator(f"#card-{other.id}").get_by_label("Stage of Other deal")).to_be_visible()
    page.get_by_role("link", name="Keyboard deal", exact=True).focus()
    page.keyboard.press("Tab")
    expect(page.locator(f"#card-{opp.id}").get_by_role("link", name="Actions")).to_be_focused()
    page.keyboard.press("Tab")
    selector = page.locator(f"#card-{opp.id}").get_by_label("Stage of Keyboard deal")
    expect(selector).to_be_focused()
    expect(page.get_by_label("Stage of Other deal")).to_have_count(0)
    page.keyboard.press("ArrowDown")  # New -> Qualification
    page.keyboard.press("Tab")
    expect(page.locator(f"#card-{opp.id} button", has_text="Move")).to_be_focused()
    page.keyboard.press("Enter")
    expect(column(page, qualification).locator(f"#card-{opp.id}")).to_be_visible()
    expect(column(page, qualification).locator("[data-count]")).to_have_text("1 deal")
    expect(column(page, new).locator("[data-count]")).to_have_text("1 deal")
    expect(page.get_by_label("Stage of Keyboard deal")).to_be_focused()
    assert stored(opp).stage_id == qualification.id


def test_card_menu_moves_the_deal_and_asks_the_lost_reason(
    page, login, sales_user, pipeline, create_opportunity, lost_reason
):
    new, demo, lost = pipeline.stages[0], pipeline.stages[2], pipeline.stage_of_kind("lost")
    opp = create_opportunity(name="Menu deal", amount="3000")
    login(page, sales_user)
    card = page.locator(f"#card-{opp.id}")
    card.get_by_role("link", name="Actions").click()
    expect(card.get_by_role("button", name=f"{new.name} (here)")).to_be_disabled()
    card.get_by_role("button", name=demo.name).click()
    expect(column(page, demo).locator(f"#card-{opp.id}")).to_be_visible()
    expect(column(page, demo).locator("[data-total]")).to_have_text("€3K")
    assert stored(opp).stage_id == demo.id

    card.get_by_role("link", name="Actions").click()
    card.get_by_role("button", name=lost.name).click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Why was it lost?").select_option(label="Price too high")
    dialog.get_by_role("button", name="Close as lost").click()
    expect(page.locator(f"#card-{opp.id}")).to_have_count(0)
    expect(column(page, demo).locator("[data-count]")).to_have_text("0 deals")
    closed = stored(opp)
    assert closed.status == "lost" and closed.lost_reason_id == lost_reason.id


def test_density_toggle_is_kept_for_the_user_and_compact_cards_are_short(
    page, login, sales_user, pipeline, create_opportunity
):
    deals = [create_opportunity(name=f"Deal {i}") for i in range(10)]
    login(page, sales_user)
    card = page.locator(f"#card-{deals[0].id}")
    assert card.bounding_box()["height"] < 90  # was ~175 px with a selector per card
    expect(page.locator(".board-card").nth(7)).to_be_in_viewport()  # 8 cards at 1400 x 900
    expect(card).not_to_contain_text("days in stage")

    page.get_by_role("button", name="Comfortable").click()
    expect(card).to_contain_text("0 days in stage")
    expect(page.get_by_role("button", name="Comfortable")).to_have_attribute("aria-pressed", "true")
    db.session.expire_all()
    assert db.session.get(User, sales_user.id).board_density == "comfortable"
    page.reload()
    expect(card).to_contain_text("0 days in stage")


def test_stage_names_are_not_cut_in_the_mover(
    page, login, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity(name="Long names")
    login(page, sales_user)
    page.get_by_role("link", name="Long names", exact=True).focus()
    page.keyboard.press("Tab")
    selector = page.locator(f"#card-{opp.id}").get_by_label("Stage of Long names")
    # The select is wider than its longest stage name (measured in the select's own font).
    fits = selector.evaluate(
        """(select) => {
          const ctx = document.createElement("canvas").getContext("2d");
          ctx.font = getComputedStyle(select).font;
          const widest = Math.max(...[...select.options].map((o) => ctx.measureText(o.text).width));
          const style = getComputedStyle(select);
          const pad = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
          const room = select.clientWidth - pad;
          return {widest, room};
        }"""
    )
    assert fits["widest"] <= fits["room"], fits


def test_conflict_refuses_the_move_and_shows_the_card_where_it_is(
    new_page, login, sales_user, pipeline, create_opportunity
):
    new, qualification, demo = pipeline.stages[:3]
    opp = create_opportunity(name="Contested deal")
    mine, theirs = new_page(), new_page()
    login(mine, sales_user)
    login(theirs, sales_user)

    # The other browser moves the deal first; this one still shows the old version.
    theirs.locator(f"#card-{opp.id}").get_by_role("link", name="Actions").click()
    theirs.locator(f"#card-{opp.id}").get_by_role("button", name=demo.name).click()
    expect(column(theirs, demo).locator(f"#card-{opp.id}")).to_be_visible()
    moved_version = stored(opp).version

    drag(mine, mine.locator(f"#card-{opp.id}"), mine.locator(f"#cards-{qualification.id}"))
    expect(mine.locator("#board-alerts")).to_contain_text("Someone else changed this deal")
    expect(column(mine, demo).locator(f"#card-{opp.id}")).to_be_visible()
    expect(column(mine, qualification).locator(f"#card-{opp.id}")).to_have_count(0)
    expect(column(mine, demo).locator("[data-count]")).to_have_text("1 deal")
    expect(column(mine, new).locator("[data-count]")).to_have_text("0 deals")
    after = stored(opp)
    assert after.stage_id == demo.id and after.version == moved_version


def test_filters_live_in_the_url(
    page, login, sales_user, create_user, pipeline, create_opportunity, create_account
):
    colleague = create_user(email="other@example.com", name="Olga Other", role="sales")
    acme = create_account("Acme Industries")
    create_opportunity(name="Mine")
    create_opportunity(name="Hers", owner=colleague)
    create_opportunity(name="Acme's", account_id=acme.id)
    login(page, sales_user)
    expect(page.get_by_role("link", name="Hers")).to_have_count(0)
    page.get_by_label("Owner").select_option("all")
    expect(page.get_by_role("link", name="Hers")).to_be_visible()
    expect(page).to_have_url(re.compile(r"owner=all"))
    first_column = f"#cards-{pipeline.stages[0].id}"
    # drag ready again: board.js binds SortableJS to the swapped columns on htmx:load
    page.wait_for_function(f"!!document.querySelector('{first_column}').sortable", timeout=5000)
    page.reload()  # a bookmark of the filtered board
    expect(page.get_by_role("link", name="Hers")).to_be_visible()
    expect(page.get_by_label("Owner")).to_have_value("all")

    filters = page.locator("#board-filters")
    filters.get_by_label("Account").fill("Acme")
    filters.get_by_role("option", name="Acme Industries").click()
    expect(page.get_by_role("link", name="Hers")).to_have_count(0)
    expect(page.get_by_role("link", name="Acme's")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"account_id={acme.id}"))
    expect(filters.get_by_label("Account")).to_have_value("Acme Industries")


def test_a_second_filter_chosen_at_once_is_not_lost(
    page, login, sales_user, create_user, create_opportunity
):
    """The board is redrawn with its filters: a filter chosen while the first one's board is
    on its way must still apply (the newer request replaces the older one)."""
    colleague = create_user(email="other@example.com", name="Olga Other", role="sales")
    create_opportunity(name="Mine late", close_date="2020-01-31")
    create_opportunity(name="Hers late", owner=colleague, close_date="2020-01-31")
    create_opportunity(name="Hers on time", owner=colleague, close_date="2099-01-31")
    login(page, sales_user)
    page.get_by_label("Owner").select_option("all")
    page.get_by_label("Expected close").select_option("overdue")  # no wait in between
    expect(page).to_have_url(re.compile(r"owner=all.*close=overdue|close=overdue.*owner=all"))
    expect(page.get_by_role("link", name="Hers late")).to_be_visible()
    expect(page.get_by_role("link", name="Hers on time")).to_have_count(0)
    expect(page.get_by_label("Expected close")).to_have_value("overdue")
    expect(page.get_by_label("Owner")).to_have_value("all")


def test_quick_create_puts_the_card_in_the_column(page, login, sales_user, pipeline):
    qualification = pipeline.stages[1]
    login(page, sales_user)
    col = column(page, qualification)
    col.get_by_text("+ Add a deal").click()
    # Its three fields look alike: labels (size, spacing) and inputs (size, height).
    looks = "e => { const s = getComputedStyle(e); return [s.fontSize, s.marginBottom, s.height]; }"
    inputs = col.locator("form input.form-control").all()
    labels = [col.locator(f"label[for='{i.get_attribute('id')}']") for i in inputs]
    assert len(inputs) == 3
    assert len({tuple(label.evaluate(looks)[:2]) for label in labels}) == 1
    assert len({tuple(i.evaluate(looks)) for i in inputs}) == 1
    col.get_by_label("Deal name").fill("Fresh from the board")
    col.get_by_label("Account").fill("Brand New Srl")
    col.get_by_label("Amount").fill("2500")
    col.get_by_role("button", name="Add to Qualification").click()
    expect(col.locator(".board-card", has_text="Fresh from the board")).to_be_visible()
    expect(col.locator("[data-count]")).to_have_text("1 deal")
    expect(col.locator("[data-total]")).to_have_text("€2.5K")
    opp = db.session.scalars(
        select(Opportunity).where(Opportunity.name == "Fresh from the board")
    ).one()
    assert opp.stage_id == qualification.id and opp.account.name == "Brand New Srl"


def test_without_javascript_the_board_still_works(
    browser, live_server, login, sales_user, pipeline, create_opportunity, lost_reason
):
    qualification, lost = pipeline.stages[1], pipeline.stage_of_kind("lost")
    opp = create_opportunity(name="No script deal", amount="4000")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, sales_user)
        # The card's menu is a link to the move page.
        page.locator(f"#card-{opp.id}").get_by_role("link", name="Actions").click()
        page.get_by_label("Stage of No script deal").select_option(str(qualification.id))
        page.get_by_role("button", name="Move").click()
        expect(page.get_by_text("“No script deal” moved to Qualification.")).to_be_visible()
        expect(column(page, qualification).locator(f"#card-{opp.id}")).to_be_visible()
        expect(column(page, qualification).locator("[data-count]")).to_have_text("1 deal")

        # Lost needs a reason: a page asks for it, then back to the board.
        page.locator(f"#card-{opp.id}").get_by_role("link", name="Actions").click()
        page.get_by_label("Stage of No script deal").select_option(str(lost.id))
        page.get_by_role("button", name="Move").click()
        page.get_by_label("Why was it lost?").select_option(label="Price too high")
        page.get_by_role("button", name="Close as lost").click()
        expect(page.get_by_role("heading", name=pipeline.name)).to_be_visible()
        expect(page.locator(f"#card-{opp.id}")).to_have_count(0)
        assert stored(opp).status == "lost"

        # Filters are a plain GET form.
        page.get_by_label("Owner").select_option("all")
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"owner=all"))
    finally:
        context.close()


class AmountGate:
    """A test plugin: every open stage after the first needs an amount."""

    @hookimpl
    def opportunity_stage_changing(self, opportunity, from_stage, to_stage, user):
        if to_stage.kind == "open" and to_stage.position >= 1 and not opportunity.amount:
            return [{"message": "Amount is required", "field": "amount"}]
        return []


def test_stage_gate_dialog_saves_the_field_and_moves(
    app, page, login, sales_user, pipeline, create_opportunity
):
    app.extensions["opportuno.plugins"].pm.register(AmountGate(), name="test_amount_gate")
    db.session.add(
        PluginEnablement(business_line_id=pipeline.business_line_id, plugin="test_amount_gate")
    )
    db.session.commit()
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    opp = create_opportunity(name="Gated deal", amount="0")
    login(page, sales_user)
    card = page.locator(f"#card-{opp.id}")

    drag(page, card, page.locator(f"#cards-{qualification.id}"))
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_text("Amount is required")).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(column(page, new).locator(f"#card-{opp.id}")).to_be_visible()
    assert stored(opp).stage_id == new.id

    drag(page, card, page.locator(f"#cards-{qualification.id}"))
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Amount").fill("6000")
    dialog.get_by_role("button", name="Save and move").click()
    expect(page.locator("dialog[open][data-move-dialog]")).to_have_count(0)
    expect(page.locator("#schedule-activity")).to_be_visible()  # the next-activity prompt
    moved = column(page, qualification).locator(f"#card-{opp.id}")
    expect(moved).to_contain_text("€6,000")
    expect(column(page, qualification).locator("[data-total]")).to_have_text("€6K")
    after = stored(opp)
    assert after.stage_id == qualification.id and after.amount == 6000


def test_refused_drop_puts_the_card_back_with_the_reason(
    page, login, sales_user, create_user, pipeline, create_opportunity
):
    new, qualification = pipeline.stages[0], pipeline.stages[1]
    colleague = create_user(email="other@example.com", name="Olga Other", role="sales")
    hers = create_opportunity(name="Not mine to move", owner=colleague)
    login(page, sales_user)
    page.goto("/board?owner=all")
    drag(page, page.locator(f"#card-{hers.id}"), page.locator(f"#cards-{qualification.id}"))
    expect(page.locator("#board-alerts")).to_contain_text("belongs to someone else")
    expect(column(page, new).locator(f"#card-{hers.id}")).to_be_visible()
    expect(column(page, qualification).locator("[data-count]")).to_have_text("0 deals")
    assert stored(hers).stage_id == new.id
