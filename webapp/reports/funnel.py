"""Conversion funnel: of the deals that entered each open stage of one pipeline during the
period, how many moved on, how many were won, and the drop-off.

Definitions (shown on the page too):
- *entered*: the deal has a stage-history entry into the stage within the period; a deal
  that entered a stage twice (moved backwards, then forwards again) counts once there;
- *moved on*: after its first entry into the stage within the period, the deal entered an
  open stage placed later in the pipeline, or the won stage (at any time until now);
- *won*: the deal is won now, so a deal won, reopened and won again counts once, and a deal
  won then reopened and still open (or lost) does not count;
- *drop-off*: the share of the deals entered that did not move on (lost, moved back, or
  still there);
- *overall conversion*: the deals won among every deal that entered any open stage.
"""

from sqlalchemy import case, distinct, func, literal, null, select, union_all
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Opportunity, StageHistory, User
from .charts import BarChart, Series
from .filters import ReportFilters
from .history import period_bounds
from .registry import ReportSpec
from .report import Report, Table, TableColumn
from .scope import chosen_pipeline, deal_conditions

NOTE = (
    "A deal counts once per stage it entered in the period, even if it entered it twice. "
    "Moved on: it later entered an open stage further along the pipeline, or the won stage. "
    "Won: the deal is won now (a won deal that was reopened counts only if won again). "
    "Drop-off: the share of the deals entered that did not move on (lost, moved back, or "
    "still there)."
)


def _entries(user: User, filters: ReportFilters, pipeline, stage_ids: list[int]):
    """One row per deal and stage it entered in the period, with its first entry time and
    whether the deal is won now."""
    start, end = period_bounds(filters)
    return (
        select(
            StageHistory.opportunity_id,
            StageHistory.stage_id,
            func.min(StageHistory.entered_at).label("first_in"),
            (Opportunity.status == "won").label("won"),
        )
        .join(Opportunity, Opportunity.id == StageHistory.opportunity_id)
        .where(
            *deal_conditions(user, filters),
            Opportunity.pipeline_id == pipeline.id,
            StageHistory.stage_id.in_(stage_ids),
            StageHistory.entered_at >= start,
            StageHistory.entered_at < end,
        )
        .group_by(StageHistory.opportunity_id, StageHistory.stage_id, Opportunity.status)
        .cte("entries")
    )


def _reach(stage_id, pipeline):
    """How far along the pipeline a stage is: open stages by their order, the won stage
    past them all, the lost stage nowhere (a CASE on the stage id: no join)."""
    order = {stage.id: index for index, stage in enumerate(pipeline.open_stages)}
    order |= {stage.id: len(order) for stage in pipeline.stages if stage.kind == "won"}
    return case(order, value=stage_id, else_=-1)


def _figures(entries, pipeline) -> tuple[dict, tuple[int, int]]:
    """In one query: stage id -> (entered, moved on, won), and (deals that entered any
    stage, of which won now) with each deal once."""
    later = aliased(StageHistory)
    moved_on = (
        select(later.stage_id)
        .where(
            later.opportunity_id == entries.c.opportunity_id,
            later.entered_at >= entries.c.first_in,
            _reach(later.stage_id, pipeline) > _reach(entries.c.stage_id, pipeline),
        )
        .exists()
    )
    per_stage = (
        select(
            entries.c.stage_id,
            func.count().label("entered"),
            func.sum(case((moved_on, 1), else_=0)).label("moved_on"),
            func.sum(case((entries.c.won, 1), else_=0)).label("won"),
        )
        .select_from(entries)
        .group_by(entries.c.stage_id)
    )
    overall = select(
        null().label("stage_id"),
        func.count(distinct(entries.c.opportunity_id)),
        literal(0),
        func.count(distinct(case((entries.c.won, entries.c.opportunity_id)))),
    ).select_from(entries)
    rows = db.session.execute(union_all(per_stage, overall)).all()
    total = next(row for row in rows if row.stage_id is None)
    return {row.stage_id: row for row in rows if row.stage_id is not None}, (
        total.entered,
        total.won,
    )


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def build(user: User, filters: ReportFilters) -> Report:
    report = Report("Conversion funnel", notes=[NOTE])
    pipeline = chosen_pipeline(user, filters)
    columns = [
        TableColumn("Stage"),
        TableColumn("Entered", "count"),
        TableColumn("Moved on", "count"),
        TableColumn("Won", "count"),
        TableColumn("Drop-off", "percent"),
        TableColumn("Won of entered", "percent"),
    ]
    if pipeline is None:
        report.add(Table("funnel", "Conversion funnel", columns, []))
        return report
    stages = pipeline.open_stages
    entries = _entries(user, filters, pipeline, [s.id for s in stages])
    figures, (deals, won) = _figures(entries, pipeline)
    rows = []
    for stage in stages:
        row = figures.get(stage.id)
        entered, moved_on, won_here = (row.entered, row.moved_on, row.won) if row else (0, 0, 0)
        rows.append(
            [
                stage.name,
                entered,
                moved_on,
                won_here,
                _percent(entered - moved_on, entered),
                _percent(won_here, entered),
            ]
        )
    footer = ["Any stage", deals, None, won, None, _percent(won, deals)]
    conversion = _percent(won, deals)
    report.figures = [
        ("Deals in the funnel", str(deals)),
        ("Won", str(won)),
        ("Overall conversion", "—" if conversion is None else f"{conversion:.0f}%"),
    ]
    table = Table(
        "funnel",
        f"Deals that entered each stage · {pipeline.name}",
        columns,
        rows if deals else [],
        footer,
        empty="No deal entered a stage of this pipeline in this period.",
    )
    chart = BarChart(
        "Deals that entered each stage, and moved on",
        [r[0] for r in rows],
        [Series("Entered", [r[1] for r in rows]), Series("Moved on", [r[2] for r in rows])],
        kind="count",
        horizontal=True,
    )
    report.add(table, chart)
    return report


SPEC = ReportSpec(
    "funnel",
    "Conversion funnel",
    build,
    default_period="last_12_months",
    summary="Of the deals that entered each stage in the period: how many moved on and were won.",
)
