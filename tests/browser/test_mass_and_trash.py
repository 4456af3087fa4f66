"""In Chromium: select deals on the list, change their stage, read the report; restore a
deal from the trash page."""

import os

from webapp.extensions import db
from webapp.models import Opportunity
from webapp.trash import services as trash

SHOTS = os.environ.get("SCREENSHOTS")  # a folder: keep screenshots of each step to look at


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def stage_of(opp_id):
    db.session.expire_all()
    return db.session.get(Opportunity, opp_id).stage_id


def test_select_rows_change_stage_and_see_the_report(
    page, login, sales_user, pipeline, create_opportunity
):
    deals = [create_opportunity(name=f"Mass deal {n}") for n in range(3)]
    target = pipeline.stages[2]
    login(page, sales_user)
    page.goto("/opportunities")
    bar = page.locator("#mass-form")
    assert bar.is_hidden()
    # The row checkbox as the list's markup has it (name="ids", form="mass-form").
    page.locator(f'input[name="ids"][value="{deals[0].id}"]').check()
    page.locator(f'input[name="ids"][value="{deals[2].id}"]').check()
    assert bar.is_visible() and "2 selected" in bar.inner_text()
    shot(page, "1-selection-bar")
    bar.get_by_role("button", name="Actions").click()
    bar.get_by_role("button", name="Change stage…").click()
    dialog = page.locator("#mass-dialog")
    dialog.wait_for()
    assert "Change the stage of 2 deals?" in dialog.inner_text()
    lost_fields = dialog.locator("[data-lost-fields]")
    assert lost_fields.is_hidden()
    dialog.locator("#mass-stage").select_option(str(pipeline.stage_of_kind("lost").id))
    assert lost_fields.is_visible() and dialog.locator("#mass-lost-reason").is_visible()
    dialog.locator("#mass-stage").select_option(str(target.id))
    assert lost_fields.is_hidden()
    shot(page, "2-confirmation-dialog")
    dialog.get_by_role("button", name="Change stage").click()
    report = page.locator("[data-mass-report]")
    report.wait_for()
    assert "2 deals changed" in report.inner_text()
    page.locator("#deal-list").get_by_text(target.name).first.wait_for()  # the list refreshed
    page.wait_for_function("!document.querySelector('#mass-dialog')")
    shot(page, "3-report")
    assert stage_of(deals[0].id) == target.id and stage_of(deals[2].id) == target.id
    assert stage_of(deals[1].id) == pipeline.stages[0].id
    assert page.locator("#mass-dialog").count() == 0


def test_restore_from_the_trash_page(page, login, manager, create_opportunity):
    opp = create_opportunity(name="Back again", owner=manager, user=manager)
    trash.trash(manager, "deals", opp.id)
    login(page, manager)
    page.goto("/trash")
    row = page.locator(f'tr[data-trashed="{opp.id}"]')
    assert "Back again" in row.inner_text() and manager.name in row.inner_text()
    shot(page, "4-trash-page")
    row.get_by_role("button", name="Restore").click()
    page.wait_for_url(f"**/opportunities/{opp.id}")
    assert "was restored" in page.content()
    db.session.expire_all()
    assert db.session.get(Opportunity, opp.id).deleted_at is None
