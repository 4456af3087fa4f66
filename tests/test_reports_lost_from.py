"""The stage a lost deal was lost from (``Opportunity.lost_from_stage_id``): every writer that
closes, reopens or re-loses a deal keeps it equal to what the stage history says (the stage
whose visit ended when the deal closed), migration 0016 fills it from an existing history, and
the won/lost report's "lost by stage" reads it."""

from flask_migrate import downgrade
from sqlalchemy import func, select

from plugins.pipeline_variants import services as pipeline_editor
from tests import factories
from tests.test_funnel_days import run_import
from tests.test_reports_pipeline import rows_of
from webapp.admin.services import set_plugin_enabled
from webapp.extensions import db
from webapp.models import Opportunity, StageHistory
from webapp.opportunities import mass
from webapp.opportunities.services import close_lost, move_stage
from webapp.schema import upgrade_database


def stored(key=Opportunity.name) -> dict:
    """{deal name (or ``key``): lost_from_stage_id} read back from the database."""
    db.session.commit()
    rows = db.session.execute(select(key, Opportunity.lost_from_stage_id))
    return {name: stage for name, stage in rows}


def from_history(key="name") -> dict:
    """{deal name (or ``key``): the stage whose visit ended at the closing} for the lost
    deals, None for the others."""
    found = {}
    for deal in db.session.scalars(select(Opportunity)):
        ended = db.session.scalars(
            select(StageHistory.stage_id)
            .where(
                StageHistory.opportunity_id == deal.id,
                StageHistory.left_at == deal.closed_at,
            )
            .order_by(StageHistory.entered_at.desc(), StageHistory.id.desc())
        ).first()
        found[getattr(deal, key)] = ended if deal.status == "lost" else None
    return found


def test_every_closer_keeps_the_stage_lost_from(
    business_line, pipeline, create_opportunity, sales_user, manager, admin, tmp_path
):
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    new, qualification, demo, commitment, negotiation, won, lost = pipeline.stages
    reason = factories.lost_reason("Price")
    a, b, c, d = (create_opportunity(name=f"Deal {n}") for n in "abcd")
    move_stage(sales_user, a, demo.id)
    close_lost(sales_user, a, reason.id)
    move_stage(sales_user, b, won.id)
    assert stored() == {"Deal a": demo.id, "Deal b": None, "Deal c": None, "Deal d": None}

    move_stage(sales_user, a, qualification.id)  # reopened: no longer lost from anywhere
    assert stored()["Deal a"] is None
    move_stage(sales_user, a, lost.id, lost_reason_id=reason.id)  # lost again, from elsewhere
    move_stage(sales_user, b, lost.id, lost_reason_id=reason.id)  # won, then lost
    assert stored() == {
        "Deal a": qualification.id, "Deal b": won.id, "Deal c": None, "Deal d": None
    }  # fmt: skip

    move_stage(sales_user, c, commitment.id)
    mass.change_stage(sales_user, mass.Target(ids=[c.id, d.id]), lost.id, reason.id)
    assert stored()["Deal c"] == commitment.id and stored()["Deal d"] == new.id
    mass.change_stage(sales_user, mass.Target(ids=[d.id]), won.id)
    assert stored()["Deal d"] is None

    run_import(manager, tmp_path, "ID;Name;Stage\nI-1;Imported one;Demo scheduled\n")
    run_import(manager, tmp_path, "ID;Name;Stage;Lost reason\nI-2;Two;Lost;Price\n")
    assert stored()["Imported one"] is None and stored()["Two"] is None  # created lost
    run_import(manager, tmp_path, "ID;Name;Stage;Lost reason\nI-1;Imported one;Lost;Price\n")
    assert stored()["Imported one"] == demo.id
    assert stored() == from_history()

    move_stage(sales_user, c, commitment.id)
    move_stage(sales_user, c, lost.id, lost_reason_id=reason.id)
    pipeline_editor.delete_stage(admin, commitment, move_to=negotiation.id)
    assert stored()["Deal c"] == negotiation.id  # with its history, to the heir
    assert stored() == from_history()


def test_lost_by_stage_after_a_reopening_and_a_second_loss(
    client, auth, pipeline, create_opportunity, sales_user, manager, lost_reason
):
    new, qualification, demo, *_ = pipeline.stages
    lost = pipeline.stage_of_kind("lost")
    x = create_opportunity(name="X", amount="100")
    y = create_opportunity(name="Y", amount="300")
    z = create_opportunity(name="Z", amount="50")
    close_lost(sales_user, x, lost_reason.id)  # from New
    move_stage(sales_user, y, demo.id)
    close_lost(sales_user, y, lost_reason.id)  # from Demo...
    move_stage(sales_user, y, qualification.id)
    close_lost(sales_user, y, lost_reason.id)  # ...reopened, then lost from Qualification
    move_stage(sales_user, z, lost.id, lost_reason_id=lost_reason.id)
    move_stage(sales_user, z, new.id)  # reopened and still open: not lost
    auth.login(manager)
    html = client.get("/reports/won-lost?period=this_month").get_data(as_text=True)
    assert rows_of(html, "stages") == [["New", "1", "100"], [qualification.name, "1", "300"]]


def test_the_migration_fills_the_stage_lost_from_an_existing_history(
    app, pipeline, create_opportunity, sales_user
):
    """Migration 0016 reads from the history what the writers store (SQLite and PostgreSQL),
    and the history itself stays (no copy of the deals' table cascading to their rows)."""
    new, qualification, demo, _, _, won, lost = pipeline.stages
    reason = factories.lost_reason("Price")
    a, b, c, d = (create_opportunity(name=f"Deal {n}") for n in "abcd")
    for deal, stages in ((a, [qualification, demo, lost]), (b, [demo, lost, new, lost]),
                         (c, [lost, qualification]), (d, [won, lost])):  # fmt: skip
        for stage in stages:
            extra = {"lost_reason_id": reason.id} if stage is lost else {}
            move_stage(sales_user, deal, stage.id, **extra)
    written = stored()
    history = db.session.scalar(select(func.count()).select_from(StageHistory))
    assert written == {"Deal a": demo.id, "Deal b": new.id, "Deal c": None, "Deal d": won.id}
    db.session.remove()
    db.engine.dispose()
    downgrade(directory=app.extensions["migrate"].directory, revision="0016_importbulk")
    db.engine.dispose()
    upgrade_database()
    assert db.session.scalar(select(func.count()).select_from(StageHistory)) == history
    assert stored() == written


def test_the_demo_seed_stores_the_stage_its_lost_deals_were_lost_from(app):
    from webapp.demo.seed import seed_demo

    seed_demo(120)
    written = stored(Opportunity.id)
    assert len(written) == 120 and any(written.values())  # some were lost from a stage
    assert written == from_history("id")
