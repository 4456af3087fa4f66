"""Time in stage: how long the deals of one pipeline stay in each open stage, where they get
stuck, and the open deals stuck longest in each stage now.

- A *visit* is one stage-history entry: a deal moved backwards and forwards again makes two
  visits to the stages it passed twice. The median and mean count the visits to open stages
  that *ended* (left_at) in the period, whatever the deal's later fate.
- Visits still going on are not in the median (their length is not known yet): they are
  counted apart as *now in stage* (open deals, now, whatever the period) and listed in the
  second table, the five longest per stage.
- Bottlenecks: the stage with the highest median, and every stage whose median exceeds its
  rotting days.

Medians are computed in SQL on both databases with window functions: each visit's rank and
the visit count per stage, then the average of the middle one or two.
"""

from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, union_all

from ..extensions import db
from ..models import Opportunity, StageHistory, User
from ..models._base import utcnow
from . import shown
from .charts import BarChart, Series
from .filters import ReportFilters
from .history import open_stages, period_bounds
from .registry import ReportSpec
from .report import Link, Report, Table, TableColumn
from .scope import chosen_pipeline, deal_conditions
from .sql import days_between

STUCK_PER_STAGE = 5

NOTE = _l(
    "Median and mean count the stage visits that ended in the period (a deal moved back "
    "and forth visits a stage twice). Deals in a stage now are not in the median: they are "
    "counted as now in stage, and the %(count)d longest there are listed below. "
    "Highlighted: the slowest stage, and stages whose median exceeds their rotting days.",
    count=STUCK_PER_STAGE,
)


def _visits(user: User, filters: ReportFilters, pipeline, stage_ids: list[int]) -> dict:
    """stage id -> (visits, mean days, median days) of the visits ended in the period: the
    median is the average of the middle one or two visits of each stage ranked by length."""
    start, end = period_bounds(filters)
    visits = (
        select(
            StageHistory.stage_id,
            days_between(StageHistory.left_at, StageHistory.entered_at).label("days"),
        )
        .join(Opportunity, Opportunity.id == StageHistory.opportunity_id)
        .where(
            *deal_conditions(user, filters),
            Opportunity.pipeline_id == pipeline.id,
            StageHistory.stage_id.in_(stage_ids),
            StageHistory.left_at >= start,
            StageHistory.left_at < end,
        )
        .cte("visits")
    )
    totals = (
        select(
            visits.c.stage_id,
            func.count().label("visits"),
            func.avg(visits.c.days).label("mean"),
        )
        .group_by(visits.c.stage_id)
        .subquery("totals")
    )
    ranked = select(
        visits.c.stage_id,
        visits.c.days,
        func.row_number()
        .over(partition_by=visits.c.stage_id, order_by=visits.c.days)
        .label("rank"),
    ).subquery("ranked")
    middle = and_(
        ranked.c.stage_id == totals.c.stage_id,
        or_(
            ranked.c.rank == (totals.c.visits + 1) // 2,
            ranked.c.rank == (totals.c.visits + 2) // 2,
        ),
    )
    query = (
        select(totals, func.avg(ranked.c.days).label("median"))
        .join(ranked, middle)
        .group_by(totals.c.stage_id, totals.c.visits, totals.c.mean)
    )
    return {row.stage_id: row for row in db.session.execute(query)}


def _stuck(user: User, filters: ReportFilters, pipeline, stage_ids: list[int]):
    """The count of open deals in each stage (stage id -> count), and the open deals longest
    in each stage now (``STUCK_PER_STAGE`` per stage) in the stages' order. Each stage's
    longest are read from the head of an index (ix_opportunities_report_stages), not ranked
    among all its deals."""
    scope = (
        *deal_conditions(user, filters),
        Opportunity.pipeline_id == pipeline.id,
        Opportunity.status == "open",
    )
    counts = dict(
        db.session.execute(
            select(Opportunity.stage_id, func.count())
            .where(*scope, Opportunity.stage_id.in_(stage_ids))
            .group_by(Opportunity.stage_id)
        ).all()
    )
    if not counts:
        return counts, []
    longest = union_all(
        *(
            select(Opportunity.id)
            .where(*scope, Opportunity.stage_id == stage_id)
            .order_by(Opportunity.stage_entered_at, Opportunity.id)
            .limit(STUCK_PER_STAGE)
            .subquery()
            .select()
            for stage_id in counts
        )
    ).subquery("longest")
    rows = db.session.execute(
        select(
            Opportunity.id,
            Opportunity.name,
            Opportunity.stage_id,
            Opportunity.amount,
            Opportunity.stage_entered_at,
            User.name.label("owner"),
            days_between(utcnow(), Opportunity.stage_entered_at).label("days"),
        )
        .join(longest, longest.c.id == Opportunity.id)
        .join(User, User.id == Opportunity.owner_id)
    ).all()
    order = {stage_id: index for index, stage_id in enumerate(stage_ids)}
    return counts, sorted(rows, key=lambda row: (order[row.stage_id], row.stage_entered_at, row.id))


def _bottleneck(median, rotting_days, slowest: bool) -> str:
    reasons = [_("Slowest")] if slowest else []
    if median is not None and rotting_days and median > rotting_days:
        reasons.append(_("Median over rotting days"))
    return "; ".join(reasons)


def build(user: User, filters: ReportFilters) -> Report:
    report = Report(_("Time in stage"), notes=[str(NOTE)])
    pipeline = chosen_pipeline(user, filters)
    columns = [
        TableColumn(_("Stage")),
        TableColumn(_("Visits ended"), "count"),
        TableColumn(_("Median days"), "days"),
        TableColumn(_("Mean days"), "days"),
        TableColumn(_("Rotting days"), "count"),
        TableColumn(_("Now in stage"), "count"),
        TableColumn(_("Bottleneck")),
    ]
    stuck_columns = [
        TableColumn(_("Stage")),
        TableColumn(_("Deal")),
        TableColumn(_("Owner")),
        TableColumn(_("Amount"), "money"),
        TableColumn(_("Days in stage"), "days"),
    ]
    stuck_title = _("Open deals longest in each stage now (top %(count)d)", count=STUCK_PER_STAGE)
    if pipeline is None:
        report.add(Table("stages", _("Days in each stage"), columns, []))
        report.add(Table("stuck", stuck_title, stuck_columns, []))
        return report
    stages = open_stages(pipeline)
    stage_ids = [s.id for s in stages]
    visits = _visits(user, filters, pipeline, stage_ids)
    now_in, stuck = _stuck(user, filters, pipeline, stage_ids)
    medians = {key: float(row.median) for key, row in visits.items()}
    slowest = max(medians, key=medians.get) if medians else None
    rows, highlight = [], set()
    for index, stage in enumerate(stages):
        row = visits.get(stage.id)
        median = medians.get(stage.id)
        flag = _bottleneck(median, stage.rotting_days, stage.id == slowest)
        if flag:
            highlight.add(index)
        rows.append(
            [
                stage.name,
                row.visits if row else 0,
                median,
                float(row.mean) if row else None,
                stage.rotting_days,
                now_in.get(stage.id, 0),
                flag,
            ]
        )
    total_visits = sum(r[1] for r in rows)
    total_days = sum((r[3] or 0) * r[1] for r in rows)
    footer = [
        _("All stages"),
        total_visits,
        None,
        total_days / total_visits if total_visits else None,
        None,
        sum(r[5] for r in rows),
        "",
    ]
    report.figures = [
        (_("Stage visits ended"), shown.count(total_visits)),
        (_("Open deals now"), shown.count(footer[5])),
        (_("Slowest stage"), next((s.name for s in stages if s.id == slowest), "—")),
    ]
    table = Table(
        "stages",
        _("Days in each stage · %(pipeline)s", pipeline=pipeline.name),
        columns,
        rows if total_visits or footer[5] else [],
        footer,
        empty=_("No deal left or sits in a stage of this pipeline."),
        highlight=highlight,
    )
    chart = BarChart(
        _("Median and mean days in each stage"),
        [r[0] for r in rows],
        [Series(_("Median"), [r[2] for r in rows]), Series(_("Mean"), [r[3] for r in rows])],
        kind="days",
        marker_name=_("Rotting days"),
        markers=[r[4] for r in rows],
    )
    report.add(table, chart)
    names = {stage.id: stage.name for stage in stages}
    stuck_rows = [
        [
            names[row.stage_id],
            Link(row.name, url_for("opportunities.detail", opportunity_id=row.id)),
            row.owner,
            Decimal(row.amount or 0),
            float(row.days),
        ]
        for row in stuck
    ]
    report.add(
        Table("stuck", stuck_title, stuck_columns, stuck_rows, empty=_("No open deal in a stage."))
    )
    return report


SPEC = ReportSpec(
    "time-in-stage",
    _l("Time in stage"),
    build,
    default_period="last_12_months",
    summary=_l("Median and mean days in each stage, the bottlenecks, and the deals stuck now."),
)
