"""The pipeline editor in real Chromium: reorder by drag and drop, rename, add, delete a stage
whose deals move elsewhere, and a gate set in the editor."""

import re

import pytest
from playwright.sync_api import expect

from plugins.pipeline_variants import services as variants
from webapp.admin.services import set_plugin_enabled
from webapp.extensions import db
from webapp.models import Opportunity, Pipeline, Stage


@pytest.fixture
def brevo(business_line, admin):
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    return variants.instantiate(admin, business_line.id, "brevo")


def stage_id(pipeline: Pipeline, name: str) -> int:
    return next(s.id for s in pipeline.stages if s.name == name)


def open_order(pipeline_id: int) -> list[str]:
    db.session.expire_all()
    return [s.name for s in db.session.get(Pipeline, pipeline_id).stages if s.kind == "open"]


def drag(page, source, target) -> None:
    """Drag ``source`` above ``target``. SortableJS needs stepped mouse moves, and its
    150 ms animation moves the rows under the pointer: hover again once they settle."""
    src, dst = source.bounding_box(), target.bounding_box()
    x, y = dst["x"] + dst["width"] / 2, dst["y"] + 4
    page.mouse.move(src["x"] + src["width"] / 2, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, y, steps=20)
    page.wait_for_timeout(300)
    page.mouse.move(x, y - 2, steps=2)
    page.wait_for_timeout(200)
    page.mouse.up()


def test_reorder_stages_by_drag_and_drop(page, login, admin, brevo):
    login(page, admin)
    page.goto(f"/admin/pipelines/{brevo.id}")
    negotiation = stage_id(brevo, "Negotiation")
    qualification = stage_id(brevo, "Qualification")
    drag(
        page,
        page.locator(f"#stage-{negotiation} .drag-handle"),
        page.locator(f"#stage-{qualification}"),
    )
    expected = ["New", "Negotiation", "Qualification", "Demo scheduled", "Awaiting commitment"]
    expect(page.locator("[data-sortable-stages] .stage-item").nth(1)).to_have_id(
        f"stage-{negotiation}"
    )
    for _ in range(50):  # the order is saved by the htmx request the drop made
        if open_order(brevo.id) == expected:
            break
        page.wait_for_timeout(100)
    assert open_order(brevo.id) == expected
    page.reload()
    names = page.locator("[data-sortable-stages] .stage-item input[name=name]")
    expect(names.nth(1)).to_have_value("Negotiation")
    # won and lost stay last
    expect(page.locator(".stage-list-closed .stage-item")).to_have_count(2)


def test_keyboard_arrows_reorder_too(page, login, admin, brevo):
    login(page, admin)
    page.goto(f"/admin/pipelines/{brevo.id}")
    page.get_by_role("button", name="Move Qualification up").click()
    expect(page.locator("[data-sortable-stages] .stage-item").first).to_have_id(
        f"stage-{stage_id(brevo, 'Qualification')}"
    )
    assert open_order(brevo.id)[:2] == ["Qualification", "New"]


def test_rename_set_probability_gate_and_add_stage(page, login, admin, brevo):
    login(page, admin)
    page.goto(f"/admin/pipelines/{brevo.id}")
    demo = stage_id(brevo, "Demo scheduled")
    row = page.locator(f"#stage-{demo}")
    row.locator("input[name=name]").fill("Demo done")
    row.locator("input[name=probability]").fill("140")
    row.get_by_role("button", name="Save").click()
    row = page.locator(f"#stage-{demo}")
    expect(row.locator(".invalid-feedback")).to_contain_text("at most 100")
    expect(row.locator("input[name=name]")).to_have_value("Demo done")  # typed input kept
    row.locator("input[name=probability]").fill("30")
    row.locator("summary").click()
    row.get_by_label("Expected close date").check()
    row.get_by_role("button", name="Save").click()
    expect(page.locator(f"#stage-{demo} [role=status]")).to_have_text("Saved")
    db.session.expire_all()
    stage = db.session.get(Stage, demo)
    assert (stage.name, stage.probability, stage.requirements) == ("Demo done", 30, ["close_date"])

    page.get_by_label("New stage").fill("Trial")
    page.get_by_label("Probability %").fill("35")
    page.get_by_role("button", name="Add stage").click()
    expect(page.locator("[data-sortable-stages] .stage-item")).to_have_count(6)
    assert open_order(brevo.id)[-1] == "Trial"


def test_delete_a_stage_moving_its_deals(page, login, admin, brevo, create_opportunity):
    deal = create_opportunity(name="Moving deal", stage_id=stage_id(brevo, "Qualification"))
    login(page, admin)
    page.goto(f"/admin/pipelines/{brevo.id}")
    page.get_by_role("link", name="Delete Qualification").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("1 deal is in this stage")
    dialog.get_by_role("button", name="Delete stage").click()  # no target chosen yet
    expect(dialog).to_be_visible()
    dialog.get_by_label("Move the deals to").select_option(label="New")
    dialog.get_by_role("button", name="Delete stage").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#stages [role=status]")).to_contain_text(
        re.compile(r"Stage Qualification deleted; 1 deal moved")
    )
    expect(page.locator("[data-sortable-stages] .stage-item")).to_have_count(4)
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).stage.name == "New"


def test_admin_enables_the_plugin_then_instantiates_a_template(page, login, admin, business_line):
    login(page, admin)
    page.goto("/admin/")
    cell = page.locator('div[data-plugin="pipeline_variants"]')
    expect(cell).to_have_attribute("data-enabled", "no")
    cell.get_by_role("button").click()
    expect(page.locator('div[data-plugin="pipeline_variants"]')).to_have_attribute(
        "data-enabled", "yes"
    )  # swapped in place by htmx, no reload
    page.get_by_role("link", name="Pipelines").click()
    page.get_by_label("New pipeline from template").select_option("keap")
    page.get_by_label("Name (optional)").fill("Partners")
    page.get_by_role("button", name="Create pipeline").click()
    expect(page.locator("#pipeline-name")).to_have_value("Partners")
    names = page.locator("[data-sortable-stages] .stage-item input[name=name]")
    expect(names.first).to_have_value("New opportunity")
    db.session.expire_all()
    created = db.session.query(Pipeline).filter_by(name="Partners").one()
    assert created.template == "keap" and created.business_line_id == business_line.id
