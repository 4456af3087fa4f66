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

Each ended visit keeps its length (``StageHistory.days``, written when the deal leaves the
stage): the count and mean are read from a summary of the visits by stage and day they ended
(``visit_days``; with an owner or team filter, from an index of the visits by the time they
ended), the median from an index in order of length, skipping to the middle one or two
visits.
"""

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union_all

from ..extensions import db
from ..models import Opportunity, StageHistory, User
from ..models._base import utcnow
from . import shown, visit_days
from .charts import BarChart, Series
from .filters import ReportFilters
from .history import open_stages, period_bounds
from .registry import ReportSpec
from .report import Link, Report, Table, TableColumn
from .scope import chosen_pipeline, deal_conditions, history_condition, history_deals
from .sql import days_between, not_searched

STUCK_PER_STAGE = 5

NOTE = _l(
    "Median and mean count the stage visits that ended in the period (a deal moved back "
    "and forth visits a stage twice). Deals in a stage now are not in the median: they are "
    "counted as now in stage, and the %(count)d longest there are listed below. "
    "Highlighted: the slowest stage, and stages whose median exceeds their rotting days.",
    count=STUCK_PER_STAGE,
)


class Visits(NamedTuple):
    visits: int
    mean: float
    median: float


def _visits(user: User, filters: ReportFilters, pipeline, stage_ids: list[int]) -> dict:
    """stage id -> (visits, mean days, median days) of the visits ended in the period, with
    each visit's stored length (``StageHistory.days``): the count and mean from the summary
    (``visit_days``) less the visits of the deals left out, or with an owner or team filter
    from the visits ended in the period (ix_stage_history_left); then the median as the
    average of each stage's middle one or two visits, reached in order of length
    (ix_stage_history_days) rather than by ranking every visit."""
    start, end = period_bounds(filters)
    history = StageHistory
    kept, deal_ids = history_deals(user, filters, pipeline)

    def tally(*conditions, sign=1, search=lambda column: column):
        stage, left = search(history.stage_id), search(history.left_at)
        return (
            select(
                history.stage_id,
                (sign * func.count()).label("visits"),
                (sign * func.sum(history.days)).label("days"),
            )
            .where(stage.in_(stage_ids), left >= start, left < end, *conditions)
            .group_by(history.stage_id)
        )

    among = history.opportunity_id.in_(deal_ids)
    if kept:
        parts = tally(among).subquery("parts")
    else:  # every visit (the summary's), less those of the deals left out (few are)
        every = visit_days.tally(
            stage_ids, start.date(), None if end == datetime.max else end.date()
        )
        left_out = tally(among, sign=-1, search=not_searched)
        parts = union_all(every, left_out).subquery("parts")
    visits_ = func.sum(parts.c.visits)
    totals = db.session.execute(
        select(parts.c.stage_id, visits_, func.sum(parts.c.days) / visits_)
        .group_by(parts.c.stage_id)
        .having(visits_ > 0)
    ).all()
    counts = {stage_id: int(visits) for stage_id, visits, _ in totals}  # a sum: numeric on PG
    middles = union_all(
        *(
            select(history.stage_id, history.days)
            .where(
                history.stage_id == stage_id,
                history_condition(user, filters, pipeline, history.opportunity_id),
                not_searched(history.left_at) >= start,
                not_searched(history.left_at) < end,
            )
            .order_by(history.days)
            .limit(2 - counts.get(stage_id, 0) % 2 if counts.get(stage_id) else 0)
            .offset(max(counts.get(stage_id, 0) - 1, 0) // 2)
            .subquery()
            .select()
            for stage_id in stage_ids
        )
    ).subquery("middles")
    medians = dict(
        db.session.execute(
            select(middles.c.stage_id, func.avg(middles.c.days)).group_by(middles.c.stage_id)
        ).all()
    )
    return {
        stage_id: Visits(counts[stage_id], float(mean), float(medians[stage_id]))
        for stage_id, _, mean in totals
    }


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
    medians = {key: row.median for key, row in visits.items()}
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
                row.mean if row else None,
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
