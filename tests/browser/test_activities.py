"""Activities in real Chromium: the schedule dialog from a card's menu, the prompt after a
drag, mark done in /activities, drag to reschedule in the week calendar. Each checks what
was stored."""

from datetime import datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.htmx import settled
from tests.browser.test_board import drag
from webapp.extensions import db
from webapp.models import Activity
from webapp.models._base import utcnow
from webapp.opportunities import activities


def drag_chip(page, chip, cell) -> None:
    """Stepped mouse moves (SortableJS fallback), grabbing the chip by its title line."""
    start, end = chip.bounding_box(), cell.bounding_box()
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + 6
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 8, y0 + 8, steps=4)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=25)
    page.mouse.up()


def comfortable(user) -> None:
    """Comfortable cards show the next activity (compact ones only flag a missing one)."""
    user.board_density = "comfortable"
    db.session.commit()


def stored() -> list[Activity]:
    db.session.expire_all()
    return list(db.session.scalars(select(Activity).order_by(Activity.id)))


def test_schedule_from_the_card_menu(page, login, sales_user, create_opportunity, tmp_path):
    opp = create_opportunity(name="Menu deal")
    comfortable(sales_user)
    login(page, sales_user)
    card = page.locator(f"#card-{opp.id}")
    expect(card.locator("[data-next-activity]")).to_contain_text("No next activity")
    card.get_by_role("link", name="Actions").click()
    card.get_by_text("Schedule activity…").click()
    dialog = page.locator("#schedule-activity")
    expect(dialog).to_be_visible()
    dialog.get_by_text("Meeting", exact=True).click()
    dialog.get_by_label("Subject").fill("Demo at their office")
    dialog.get_by_label("Date").fill("2027-04-07")
    dialog.get_by_label("Time").fill("15:30")
    dialog.get_by_label("Duration").select_option("90")
    page.screenshot(path=str(tmp_path / "dialog.png"))
    dialog.get_by_role("button", name="Schedule").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#card-{opp.id} [data-next-activity]")).to_contain_text(
        "Next: Demo at their office"
    )
    [saved] = stored()
    assert (saved.kind, saved.due_at, saved.duration_minutes, saved.owner_id) == (
        "meeting",
        datetime(2027, 4, 7, 15, 30),
        90,
        sales_user.id,
    )


def test_after_a_drag_the_next_activity_is_offered(
    page, login, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity(name="Moving deal")
    comfortable(sales_user)
    login(page, sales_user)
    drag(page, page.locator(f"#card-{opp.id}"), page.locator(f"#cards-{pipeline.stages[1].id}"))
    dialog = page.locator("#schedule-activity")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"moved to {pipeline.stages[1].name}")
    expect(dialog.get_by_label("Subject")).to_have_value("Follow up: Moving deal")
    # Not modal: the board stays usable behind it.
    assert page.evaluate("() => !document.querySelector('#schedule-activity').matches(':modal')")
    dialog.get_by_label("Subject").fill("Send the proposal")
    dialog.get_by_role("button", name="Schedule").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#card-{opp.id} [data-next-activity]")).to_contain_text(
        "Send the proposal"
    )
    assert [a.subject for a in stored()] == ["Send the proposal"]
    # Dismissed with "Not now": nothing saved.
    drag(page, page.locator(f"#card-{opp.id}"), page.locator(f"#cards-{pipeline.stages[2].id}"))
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Not now").click()
    expect(dialog).to_be_hidden()
    assert len(stored()) == 1


def test_mark_done_in_the_list(page, login, sales_user, create_opportunity, tmp_path):
    opp = create_opportunity(name="Listed deal")
    due = utcnow() - timedelta(hours=3)
    for subject in ("Overdue call", "Later visit"):
        activities.create_activity(
            sales_user,
            opp,
            {"subject": subject, "kind": "call", "due_at": due.strftime("%Y-%m-%dT%H:%M")},
        )
        due += timedelta(days=20)
    login(page, sales_user)
    page.get_by_role("link", name="Activities").first.click()
    overdue = page.locator('[data-bucket="overdue"]')
    expect(overdue).to_contain_text("Overdue call")
    # A click before htmx has started posts the plain form (the page reloads without the done
    # row, as it should without JavaScript): this test is about the htmx answer.
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")
    page.screenshot(path=str(tmp_path / "activities.png"), full_page=True)
    overdue.get_by_role("button", name="Mark “Overdue call” done").click()
    settled(page)
    expect(overdue.locator("li").first).to_have_class(
        __import__("re").compile("text-body-secondary")
    )
    assert [a.done for a in stored()] == [True, False]


def test_drag_to_reschedule_in_the_calendar(page, login, sales_user, create_opportunity, tmp_path):
    opp = create_opportunity(name="Calendar deal")
    today = utcnow().date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday + timedelta(days=1), datetime.min.time()).replace(
        hour=10, minute=30
    )
    activities.create_activity(
        sales_user,
        opp,
        {
            "subject": "Review",
            "kind": "meeting",
            "due_at": start.strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": "60",
        },
    )
    login(page, sales_user)
    page.goto("/activities/calendar")
    chip = page.locator(".calendar-chip", has_text="Review")
    expect(chip).to_be_visible()
    page.screenshot(path=str(tmp_path / "calendar.png"), full_page=True)
    target_day = (monday + timedelta(days=3)).isoformat()
    target = page.locator(f'td[data-date="{target_day}"][data-hour="14"]')
    drag_chip(page, chip, target)
    settled(page)
    expect(
        page.locator(f'td[data-date="{target_day}"][data-hour="14"] .calendar-chip')
    ).to_contain_text("Review")
    assert stored()[0].due_at == datetime.combine(
        monday + timedelta(days=3), datetime.min.time()
    ).replace(hour=14, minute=30)
    # Keyboard / no-JS way: the chip's Move form.
    chip = page.locator(".calendar-chip", has_text="Review")
    chip.get_by_text("Move", exact=True).first.click()
    chip.get_by_label("New date and time for Review").fill(f"{target_day}T16:00")
    chip.get_by_role("button", name="Move").click()
    expect(
        page.locator(f'td[data-date="{target_day}"][data-hour="16"] .calendar-chip')
    ).to_contain_text("Review")
    assert stored()[0].due_at.hour == 16
