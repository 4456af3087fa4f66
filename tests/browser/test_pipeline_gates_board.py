"""Stage gates on the board in real Chromium: a drop that violates a gate opens a dialog with
what is missing; filling the fields in place completes the move. Only where pipeline_variants
is enabled."""

import pytest
from playwright.sync_api import expect

from plugins.pipeline_variants import services as variants
from tests import factories
from webapp.admin.services import set_plugin_enabled
from webapp.extensions import db
from webapp.models import Opportunity


@pytest.fixture
def brevo(business_line, admin):
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    return variants.instantiate(admin, business_line.id, "brevo")


def stage_id(pipeline, name: str) -> int:
    return next(s.id for s in pipeline.stages if s.name == name)


def drop(page, card, column) -> None:
    """Drag a card by its upper right corner (not its stage selector) onto a column."""
    src, dst = card.bounding_box(), column.bounding_box()
    page.mouse.move(src["x"] + src["width"] * 0.8, src["y"] + 8)
    page.mouse.down()
    page.mouse.move(dst["x"] + dst["width"] / 2, dst["y"] + 20, steps=20)
    page.mouse.up()


def test_gate_dialog_fills_the_missing_fields_and_completes_the_move(
    page, login, admin, brevo, create_opportunity
):
    awaiting, negotiation = stage_id(brevo, "Awaiting commitment"), stage_id(brevo, "Negotiation")
    deal = create_opportunity(
        name="Gated deal", stage_id=awaiting, amount="", close_date="", user=admin
    )
    login(page, admin)
    page.goto(f"/pipelines/{brevo.id}/board?owner=all")
    drop(page, page.locator(f"#card-{deal.id}"), page.locator(f"#cards-{negotiation}"))

    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-problems]")).to_contain_text("Amount")
    expect(dialog.locator("[data-problems]")).to_contain_text("Expected close date")
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).stage_id == awaiting  # refused, nothing moved

    dialog.get_by_label("Amount").fill("12500")
    dialog.get_by_label("Expected close date").fill("2030-03-31")
    dialog.get_by_role("button", name="Save and move").click()
    expect(page.locator("dialog[open]:not(#schedule-activity)")).to_have_count(0)
    expect(page.locator(f"#cards-{negotiation} #card-{deal.id}")).to_be_visible()
    db.session.expire_all()
    moved = db.session.get(Opportunity, deal.id)
    assert moved.stage_id == negotiation
    assert str(moved.amount) == "12500.00" and moved.close_date.isoformat() == "2030-03-31"


def test_gate_dialog_gives_a_contact_the_missing_role(
    page, login, admin, brevo, create_opportunity
):
    demo, awaiting = stage_id(brevo, "Demo scheduled"), stage_id(brevo, "Awaiting commitment")
    acme = factories.account("Acme S.p.A.")
    boss = factories.contact(acme, first_name="Anna", last_name="Bianchi", title="CEO")
    deal = create_opportunity(
        name="No decision-maker", stage_id=demo, account_id=acme.id, user=admin
    )
    login(page, admin)
    page.goto(f"/pipelines/{brevo.id}/board?owner=all")
    drop(page, page.locator(f"#card-{deal.id}"), page.locator(f"#cards-{awaiting}"))
    dialog = page.locator("dialog[open]")
    expect(dialog.locator("[data-problems]")).to_contain_text("A contact who is decision-maker")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator(f"#cards-{demo} #card-{deal.id}")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).stage_id == demo

    drop(page, page.locator(f"#card-{deal.id}"), page.locator(f"#cards-{awaiting}"))
    dialog = page.locator("dialog[open]")
    dialog.get_by_role("button", name="Save and move").click()  # nobody chosen yet
    expect(dialog.locator(".invalid-feedback")).to_contain_text("Choose a contact")
    dialog.get_by_label("Decision maker, from the account's contacts").select_option(str(boss.id))
    dialog.get_by_role("button", name="Save and move").click()
    expect(page.locator("dialog[open]:not(#schedule-activity)")).to_have_count(0)
    expect(page.locator(f"#cards-{awaiting} #card-{deal.id}")).to_be_visible()
    db.session.expire_all()
    moved = db.session.get(Opportunity, deal.id)
    assert moved.stage_id == awaiting
    assert [(c.contact_id, c.role) for c in moved.contact_links] == [(boss.id, "decision_maker")]


def test_no_gate_where_the_plugin_is_disabled(page, login, admin, brevo, create_opportunity):
    set_plugin_enabled(None, brevo.business_line_id, "pipeline_variants", False)
    awaiting, negotiation = stage_id(brevo, "Awaiting commitment"), stage_id(brevo, "Negotiation")
    deal = create_opportunity(name="Free deal", stage_id=awaiting, amount="", user=admin)
    login(page, admin)
    page.goto(f"/pipelines/{brevo.id}/board?owner=all")
    drop(page, page.locator(f"#card-{deal.id}"), page.locator(f"#cards-{negotiation}"))
    expect(page.locator(f"#cards-{negotiation} #card-{deal.id}")).to_be_visible()
    for _ in range(50):
        db.session.expire_all()
        if db.session.get(Opportunity, deal.id).stage_id == negotiation:
            break
        page.wait_for_timeout(100)
    assert db.session.get(Opportunity, deal.id).stage_id == negotiation
    # No gate dialog (the offer to schedule the next activity is not one).
    expect(page.locator("dialog[open]:not(#schedule-activity)")).to_have_count(0)
