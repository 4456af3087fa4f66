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

The figures are read from the daily summary the history's writers keep (``funnel_days``),
less the deals in the trash; with an owner or team filter, from the deals' history.
"""

from collections import defaultdict
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select

from ..extensions import db
from ..models import FunnelDay, Opportunity, StageHistory, User
from . import shown
from .charts import BarChart, Series
from .filters import ReportFilters
from .funnel_days import ANY_STAGE, contributions, in_period
from .history import period_bounds
from .registry import ReportSpec
from .report import Report, Table, TableColumn
from .scope import chosen_pipeline, deal_conditions, history_deals

NOTE = _l(
    "A deal counts once per stage it entered in the period, even if it entered it twice. "
    "Moved on: it later entered an open stage further along the pipeline, or the won stage. "
    "Won: the deal is won now (a won deal that was reopened counts only if won again). "
    "Drop-off: the share of the deals entered that did not move on (lost, moved back, or "
    "still there)."
)


def _figures(user: User, filters: ReportFilters, pipeline) -> tuple[dict, tuple[int, int]]:
    """stage id -> (entered, moved on, won), and (deals that entered any stage, of which won
    now): from the summary less the deals in the trash, or, with an owner or team filter,
    from the deals' history."""
    if not pipeline.open_stages:
        return {}, (0, 0)
    kept, trashed = history_deals(user, filters, pipeline)
    if kept:
        return _history_figures(user, filters, pipeline)
    start, end = period_bounds(filters)
    days = (start.date(), None if end == datetime.max else end.date())
    found = _summed(FunnelDay.__table__, pipeline, *days)
    trash = contributions(
        StageHistory.opportunity_id.in_(trashed), Opportunity.pipeline_id == pipeline.id
    )
    for stage_id, figures in _summed(trash, pipeline, *days).items():
        found[stage_id] = [a - b for a, b in zip(found[stage_id], figures, strict=True)]
    figures = {stage.id: tuple(found[stage.id]) for stage in pipeline.open_stages}
    deals, _, won = found[ANY_STAGE]
    return figures, (deals, won)


def _summed(rows, pipeline, start_day, end_day) -> defaultdict:
    """Stage id (ANY_STAGE: any open stage) -> [visits, moved on, won] of ``rows`` (the
    summary or some deals' ``contributions``) counted in the period."""
    found = defaultdict(lambda: [0, 0, 0])
    query = (
        select(
            rows.c.stage_id,
            func.sum(rows.c.visits),
            func.sum(case((rows.c.moved, rows.c.visits), else_=0)),
            func.sum(case((rows.c.won, rows.c.visits), else_=0)),
        )
        .where(rows.c.pipeline_id == pipeline.id, in_period(rows, start_day, end_day))
        .group_by(rows.c.stage_id)
    )
    for stage_id, *figures in db.session.execute(query):
        found[stage_id] = [int(figure or 0) for figure in figures]
    return found


def _history_figures(user: User, filters: ReportFilters, pipeline) -> tuple[dict, tuple[int, int]]:
    """In one pass over the deals' stage history since the period's start, grouped by deal:
    stage id -> (entered, moved on, won), and (deals that entered any stage, of which won
    now), each deal once.

    Per deal and open stage: its first entry in the period (``first_<n>``), and the last
    time it entered a stage further along (``later_<n>``): it moved on if that is not before
    the first entry. Entries before the period's start matter to neither."""
    start, end = period_bounds(filters)
    stages = pipeline.open_stages
    if not stages:
        return {}, (0, 0)
    won_ids = [stage.id for stage in pipeline.stages if stage.kind == "won"]
    history = StageHistory
    firsts, laters = [], []
    for index, stage in enumerate(stages):
        further = [s.id for s in stages[index + 1 :]] + won_ids
        in_period = and_(history.stage_id == stage.id, history.entered_at < end)
        firsts.append(func.min(case((in_period, history.entered_at))).label(f"first_{index}"))
        laters.append(
            func.max(case((history.stage_id.in_(further or [0]), history.entered_at))).label(
                f"later_{index}"
            )
        )
    deals = (
        select((Opportunity.status == "won").label("won"), *firsts, *laters)
        .join(history, history.opportunity_id == Opportunity.id)
        .where(
            *deal_conditions(user, filters),
            Opportunity.pipeline_id == pipeline.id,
            history.entered_at >= start,
        )
        .group_by(Opportunity.id, Opportunity.status)
        .subquery("deals")
    )
    first = [deals.c[f"first_{i}"] for i in range(len(stages))]
    later = [deals.c[f"later_{i}"] for i in range(len(stages))]
    won = deals.c.won

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    entered_any = or_(*(entry.is_not(None) for entry in first))
    columns = [count(entered_any).label("deals"), count(and_(won, entered_any)).label("won")]
    for entry, moved in zip(first, later, strict=True):
        columns += [
            count(entry.is_not(None)),
            count(moved >= entry),
            count(and_(won, entry.is_not(None))),
        ]
    row = db.session.execute(select(*columns)).one()
    figures = {
        stage.id: tuple(row[2 + 3 * index : 5 + 3 * index]) for index, stage in enumerate(stages)
    }
    return figures, (row.deals, row.won)


def _percent(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def build(user: User, filters: ReportFilters) -> Report:
    report = Report(_("Conversion funnel"), notes=[str(NOTE)])
    pipeline = chosen_pipeline(user, filters)
    columns = [
        TableColumn(_("Stage")),
        TableColumn(_("Entered"), "count"),
        TableColumn(_("Moved on"), "count"),
        TableColumn(_("Won"), "count"),
        TableColumn(_("Drop-off"), "percent"),
        TableColumn(_("Won of entered"), "percent"),
    ]
    if pipeline is None:
        report.add(Table("funnel", _("Conversion funnel"), columns, []))
        return report
    stages = pipeline.open_stages
    figures, (deals, won) = _figures(user, filters, pipeline)
    rows = []
    for stage in stages:
        entered, moved_on, won_here = figures[stage.id]
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
    footer = [_("Any stage"), deals, None, won, None, _percent(won, deals)]
    conversion = _percent(won, deals)
    report.figures = [
        (_("Deals in the funnel"), shown.count(deals)),
        (_("Won"), shown.count(won)),
        (_("Overall conversion"), shown.percent(conversion)),
    ]
    table = Table(
        "funnel",
        _("Deals that entered each stage · %(pipeline)s", pipeline=pipeline.name),
        columns,
        rows if deals else [],
        footer,
        empty=_("No deal entered a stage of this pipeline in this period."),
    )
    chart = BarChart(
        _("Deals that entered each stage, and moved on"),
        [r[0] for r in rows],
        [Series(_("Entered"), [r[1] for r in rows]), Series(_("Moved on"), [r[2] for r in rows])],
        kind="count",
        horizontal=True,
    )
    report.add(table, chart)
    return report


SPEC = ReportSpec(
    "funnel",
    _l("Conversion funnel"),
    build,
    default_period="last_12_months",
    summary=_l(
        "Of the deals that entered each stage in the period: how many moved on and were won."
    ),
)
