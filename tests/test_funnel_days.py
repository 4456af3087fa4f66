"""The stage history's summaries, the conversion funnel's (funnel_days) and the time in
stage's (visit_days), kept by every writer of the stage history: after each kind of change
they equal a recomputation from the raw history, and the reports they feed equal the reports
read from the history deal by deal."""

import math
from collections import Counter

import pytest
from flask_migrate import downgrade
from sqlalchemy import func, select

from plugins.pipeline_variants import services as pipeline_editor
from tests import factories
from webapp.admin.services import set_plugin_enabled
from webapp.extensions import db
from webapp.imports import engine
from webapp.imports.mapping import guess_mapping
from webapp.imports.reading import open_table
from webapp.imports.runs import undo_run
from webapp.models import FunnelDay, ImportRun, Opportunity, StageHistory, StageVisitDay
from webapp.opportunities import mass
from webapp.opportunities.services import delete_opportunity, move_stage
from webapp.reports import funnel, funnel_days, time_in_stage, visit_days
from webapp.reports.filters import filters_from
from webapp.schema import upgrade_database
from webapp.trash import services as trash

EVER = {"period": "custom", "from": "2000-01-01", "to": "2100-12-31"}


def kept() -> Counter:
    table = FunnelDay.__table__
    found = Counter()
    for row in db.session.execute(select(*(table.c[k] for k in funnel_days.KEY), table.c.visits)):
        found[tuple(row[:-1])] += row.visits
    return Counter({key: visits for key, visits in found.items() if visits})


def recomputed() -> Counter:
    rows = funnel_days.contributions()
    return Counter({tuple(row[:-1]): row.visits for row in db.session.execute(select(rows))})


def visits_kept() -> dict:
    table = StageVisitDay
    rows = select(table.pipeline_id, table.stage_id, table.day, table.visits, table.days)
    return {(p, s, d): (v, days) for p, s, d, v, days in db.session.execute(rows) if v}


def visits_recomputed() -> dict:
    rows = db.session.execute(visit_days.contributions())
    return {(p, s, d): (v, float(days)) for p, s, d, v, days in rows}


def assert_same_visits(summary: dict, history: dict) -> None:
    """Same keys and counts; the summed lengths equal but for the float sums' last digits."""
    assert summary.keys() == history.keys()
    for key, (visits, days) in history.items():
        assert summary[key][0] == visits, key
        assert math.isclose(summary[key][1], days, abs_tol=1e-6), key


def assert_summary_matches_history() -> None:
    db.session.commit()
    summary = kept()
    assert summary and summary == recomputed()
    assert_same_visits(visits_kept(), visits_recomputed())


def assert_report_matches_history(user, pipeline) -> None:
    """The summaries less the trash give the figures the history gives deal by deal."""
    filters = filters_from(EVER)
    summed = funnel._figures(user, filters, pipeline)
    assert summed == funnel._history_figures(user, filters, pipeline)
    stage_ids = [s.id for s in pipeline.stages if s.kind == "open"]
    shown = time_in_stage._visits(user, filters, pipeline, stage_ids)
    history = db.session.execute(
        select(StageHistory.stage_id, func.count(), func.avg(StageHistory.days))
        .join(Opportunity, Opportunity.id == StageHistory.opportunity_id)
        .where(
            StageHistory.stage_id.in_(stage_ids),
            StageHistory.left_at.is_not(None),
            Opportunity.deleted_at.is_(None),
        )
        .group_by(StageHistory.stage_id)
    ).all()
    assert {stage_id: row.visits for stage_id, row in shown.items()} == {
        stage_id: visits for stage_id, visits, _ in history
    }
    for stage_id, _, mean in history:
        assert math.isclose(shown[stage_id].mean, mean, abs_tol=1e-6)


def run_import(user, tmp_path, text: str, mode: str = "all_or_nothing") -> ImportRun:
    path = tmp_path / f"deals{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(text, encoding="utf-8")
    table = open_table(path, filename=path.name)
    mapping = guess_mapping("opportunity", table.headers)
    record = ImportRun(
        user_id=user.id,
        entity="opportunity",
        filename=path.name,
        stored_path=str(path),
        status="queued",
        mode=mode,
        options={"mapping": {str(i): k for i, k in mapping.items()}},
    )
    db.session.add(record)
    db.session.commit()
    return engine.execute(record.id)


def test_the_summary_follows_every_writer_of_the_history(
    business_line, pipeline, create_opportunity, sales_user, manager, admin, tmp_path
):
    set_plugin_enabled(None, business_line.id, "pipeline_variants", True)
    new, qualification, demo, commitment, negotiation, won, lost = pipeline.stages
    reason = factories.lost_reason("Price")
    a, b, c, d, e = (create_opportunity(name=f"Deal {n}") for n in "abcde")
    assert_summary_matches_history()

    move_stage(sales_user, a, qualification.id)
    move_stage(sales_user, a, demo.id)  # forwards
    move_stage(sales_user, b, qualification.id)
    move_stage(sales_user, b, new.id)  # backwards, then into a stage entered before
    move_stage(sales_user, b, qualification.id)
    move_stage(sales_user, c, won.id)
    move_stage(sales_user, c, negotiation.id)  # reopened
    move_stage(sales_user, d, lost.id, lost_reason_id=reason.id)
    assert_summary_matches_history()
    assert_report_matches_history(manager, pipeline)

    report = mass.change_stage(sales_user, mass.Target(ids=[a.id, b.id, e.id]), commitment.id)
    assert report.changed == 3
    assert_summary_matches_history()
    mass.change_stage(sales_user, mass.Target(ids=[a.id, c.id]), won.id)
    assert_summary_matches_history()

    imported = run_import(manager, tmp_path, "ID;Name;Stage\nI-1;Imported one;New\nI-2;Two;Won\n")
    assert imported.created_count == 2
    run_import(manager, tmp_path, "ID;Name;Stage\nI-1;Imported one;Negotiation\nI-2;Two;Won\n")
    moved = select(Opportunity.stage_id).where(Opportunity.external_id == "I-1")
    assert db.session.scalar(moved) == negotiation.id
    assert_summary_matches_history()
    assert_report_matches_history(manager, pipeline)

    open_ids = [s.id for s in (negotiation, commitment, demo, qualification, new)]
    pipeline_editor.reorder_stages(admin, pipeline, open_ids)  # "moved on" turns around
    assert_summary_matches_history()
    assert_report_matches_history(manager, pipeline)
    pipeline_editor.delete_stage(admin, commitment, move_to=qualification.id)  # holds b, e
    assert_summary_matches_history()
    assert_report_matches_history(manager, pipeline)

    delete_opportunity(manager, e)
    assert_summary_matches_history()  # the trash stays in the summary...
    assert_report_matches_history(manager, pipeline)  # ...and the report takes it away
    trash.restore(manager, "deals", e.id)
    assert_report_matches_history(manager, pipeline)
    delete_opportunity(manager, b)
    trash.purge(admin, "deals", b.id)
    assert_summary_matches_history()
    assert_report_matches_history(manager, pipeline)
    _, in_funnel = funnel._figures(manager, filters_from(EVER), pipeline)
    assert in_funnel == (5, 2)  # a, c, d, e, I-1 (I-2 was created won); won: a, c


@pytest.mark.parametrize("mode", ["good_rows", "all_or_nothing"])
def test_imports_add_their_new_deals_in_bulk(
    pipeline, create_opportunity, sales_user, manager, tmp_path, monkeypatch, mode
):
    """Batches of 2: each adds its new deals' keys in one statement (computed from the values
    written, not read back): open and closed stages, a rejected row, then an undo."""
    monkeypatch.setattr(engine, "BATCH", 2)
    a = create_opportunity(name="Already there")
    move_stage(sales_user, a, pipeline.stages[1].id)
    text = "ID;Name;Stage\nF-1;One;New\nF-2;Two;Won\nF-3;Three;Nowhere\nF-4;Four;Negotiation\n"
    run = run_import(manager, tmp_path, text, mode)
    assert run.rejected_count == 1
    assert_summary_matches_history()
    good = run_import(manager, tmp_path, text.replace("Nowhere", "Qualification"), mode)
    assert good.created_count == (1 if mode == "good_rows" else 4)
    assert_summary_matches_history()
    undo_run(manager, good.id, True)
    assert_summary_matches_history()


def test_the_migration_fills_the_summary_of_an_existing_history(
    app, pipeline, create_opportunity, sales_user
):
    """Migrations 0015 and 0017 compute from the history what the writers keep (SQLite and
    PostgreSQL spell it apart from ``contributions``)."""
    new, qualification, demo, _, _, won, lost = pipeline.stages
    reason = factories.lost_reason("Price")
    a, b, c = (create_opportunity(name=f"Deal {n}") for n in "abc")
    for deal, stages in ((a, [qualification, demo, won]), (b, [demo, new, demo, lost]),
                         (c, [won, qualification])):  # fmt: skip
        for stage in stages:
            extra = {"lost_reason_id": reason.id} if stage is lost else {}
            move_stage(sales_user, deal, stage.id, **extra)
    db.session.commit()
    written, visits = kept(), visits_kept()
    db.session.remove()
    db.engine.dispose()
    downgrade(directory=app.extensions["migrate"].directory, revision="0014_visibility")
    db.engine.dispose()
    upgrade_database()
    assert written and kept() == written == recomputed()
    assert visits
    assert_same_visits(visits_kept(), visits)
    assert_same_visits(visits_kept(), visits_recomputed())
