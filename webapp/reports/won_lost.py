"""Won and lost: per closing month, the deals won and lost (count and value) and the win rate;
the lost ones by reason and by the stage they were lost from; average deal size and sales
cycle. A deal counts once, as it stands now: one lost, reopened and won is a won deal."""

from datetime import datetime, time
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from ..extensions import db
from ..models import LostReason, Opportunity, Pipeline, Stage, User
from ..money import money
from . import shown
from .charts import BarChart, Series
from .filters import ReportFilters
from .periods import capped, months
from .registry import ReportSpec
from .report import Report, Table, TableColumn
from .scope import deal_conditions
from .sql import days_between, month_key

ZERO = Decimal(0)


def closed_in_period(filters: ReportFilters) -> list:
    """Deals closed (closing time in UTC) between the first and the last day of the period."""
    return [
        Opportunity.closed_at >= datetime.combine(filters.start, time.min),
        Opportunity.closed_at <= datetime.combine(filters.end, time.max),
    ]


def rate(part, whole) -> float | None:
    """``part`` as a percentage of ``whole`` (None when there is no whole)."""
    return float(part) * 100 / float(whole) if whole else None


def _closed(user: User, filters: ReportFilters) -> list:
    return [
        *deal_conditions(user, filters),
        *closed_in_period(filters),
        Opportunity.status.in_(("won", "lost")),
    ]


def closed_groups(user: User, filters: ReportFilters) -> list:
    """The closed deals grouped by closing month, status, lost reason and the stage they
    were lost from (``lost_from_stage_id``, written when they closed), with their names:
    count, value and (won ones) days from creation, in one query."""
    won = Opportunity.status == "won"
    deals = (
        select(
            month_key(Opportunity.closed_at).label("month"),
            Opportunity.status,
            Opportunity.lost_reason_id,
            Opportunity.lost_from_stage_id.label("stage_id"),
            func.coalesce(Opportunity.amount, 0).label("value"),
            case((won, days_between(Opportunity.closed_at, Opportunity.created_at))).label("days"),
        )
        .where(*_closed(user, filters))
        .subquery("closed_deals")
    )
    keys = (deals.c.month, deals.c.status, deals.c.lost_reason_id, deals.c.stage_id)
    groups = (
        select(
            *keys,
            func.count().label("deals"),
            func.coalesce(func.sum(deals.c.value), 0).label("value"),
            func.sum(deals.c.days).label("days"),
        )
        .group_by(*keys)
        .subquery("closed_groups")
    )
    return list(
        db.session.execute(
            select(
                groups,
                LostReason.name.label("reason"),
                Stage.name.label("stage"),
                Stage.position,
                Pipeline.id.label("pipeline_id"),
                Pipeline.name.label("pipeline"),
            )
            .outerjoin(LostReason, LostReason.id == groups.c.lost_reason_id)
            .outerjoin(Stage, Stage.id == groups.c.stage_id)
            .outerjoin(Pipeline, Pipeline.id == Stage.pipeline_id)
        )
    )


def build(user: User, filters: ReportFilters) -> Report:
    report = Report(_("Won and lost"))
    filters = capped(filters, report)
    groups = closed_groups(user, filters)
    won = [g for g in groups if g.status == "won"]
    lost = [g for g in groups if g.status == "lost"]
    won_count = sum(g.deals for g in won)
    lost_count = sum(g.deals for g in lost)
    won_value = sum((Decimal(g.value) for g in won), ZERO)
    cycle = sum(float(g.days or 0) for g in won) / won_count if won_count else None
    report.figures = [
        (_("Won"), shown.count(won_count)),
        (_("Lost"), shown.count(lost_count)),
        (_("Win rate"), shown.percent(rate(won_count, won_count + lost_count))),
        (_("Average deal size (won)"), _money(won_value / won_count if won_count else None)),
        (_("Sales cycle (won, days)"), shown.days(cycle)),
    ]
    _monthly(report, groups, filters)
    _by_reason(report, lost, lost_count)
    _by_stage(report, lost)
    return report


def _sums(groups: list, key) -> dict:
    """Deals and value per ``key(group)``: {key: [deals, value]}, in first-seen order."""
    sums: dict = {}
    for group in groups:
        found = sums.setdefault(key(group), [0, ZERO])
        found[0] += group.deals
        found[1] += Decimal(group.value)
    return sums


def _monthly(report: Report, groups: list, filters: ReportFilters) -> None:
    """The months table and chart, the win-rate table and chart."""
    sums = _sums(groups, lambda g: (g.month, g.status))
    rows, rates = [], []
    for first in months(filters.start, filters.end):
        key = f"{first:%Y-%m}"
        won, won_value = sums.get((key, "won"), (0, ZERO))
        lost, lost_value = sums.get((key, "lost"), (0, ZERO))
        label = shown.month_label(first)
        rows.append([label, won, won_value, lost, lost_value])
        rates.append([label, rate(won, won + lost), rate(won_value, won_value + lost_value)])
    won = sum(r[1] for r in rows)
    lost = sum(r[3] for r in rows)
    won_value = sum((r[2] for r in rows), ZERO)
    lost_value = sum((r[4] for r in rows), ZERO)
    columns = [
        TableColumn(_("Month")),
        TableColumn(_("Won"), "count"),
        TableColumn(_("Won value"), "money"),
        TableColumn(_("Lost"), "count"),
        TableColumn(_("Lost value"), "money"),
    ]
    has_deals = won + lost > 0
    report.add(
        Table(
            "months",
            _("Won and lost per month"),
            columns,
            rows if has_deals else [],
            [_("Total"), won, won_value, lost, lost_value],
        ),
        BarChart(
            _("Value won and lost per month"),
            [r[0] for r in rows],
            [Series(_("Won"), [r[2] for r in rows]), Series(_("Lost"), [r[4] for r in rows])],
        ),
    )
    report.add(
        Table(
            "win-rate",
            _("Win rate per month"),
            [
                TableColumn(_("Month")),
                TableColumn(_("Win rate (deals)"), "percent"),
                TableColumn(_("Win rate (value)"), "percent"),
            ],
            rates if has_deals else [],
            [_("Total"), rate(won, won + lost), rate(won_value, won_value + lost_value)],
        ),
        BarChart(
            _("Win rate per month: won / (won + lost)"),
            [r[0] for r in rates],
            [
                Series(_("By deals"), [r[1] for r in rates]),
                Series(_("By value"), [r[2] for r in rates]),
            ],
            kind="percent",
        ),
    )


def _by_reason(report: Report, lost: list, lost_count: int) -> None:
    sums = _sums(lost, lambda g: g.reason or _("No reason given"))
    ordered = sorted(sums.items(), key=lambda item: (-item[1][0], item[0].lower()))
    rows = [[name, deals, value, rate(deals, lost_count)] for name, (deals, value) in ordered]
    columns = [
        TableColumn(_("Reason")),
        TableColumn(_("Lost"), "count"),
        TableColumn(_("Lost value"), "money"),
        TableColumn(_("Share of lost"), "percent"),
    ]
    report.add(
        Table(
            "reasons", _("Lost by reason"), columns, rows, empty=_("No deal lost in this period.")
        ),
        BarChart(
            _("Deals lost by reason"),
            [r[0] for r in rows],
            [Series(_("Lost"), [r[1] for r in rows])],
            kind="count",
            horizontal=True,
        ),
    )


def _by_stage(report: Report, lost: list) -> None:
    several = len({g.pipeline_id for g in lost if g.pipeline_id}) > 1

    def label(group) -> str:
        if group.stage is None:
            return _("Not recorded")
        return f"{group.stage} · {group.pipeline}" if several else group.stage

    def order(group) -> tuple:
        return (group.stage is None, group.pipeline_id or 0, group.position or 0)

    sums = _sums(sorted(lost, key=order), label)
    rows = [[name, deals, value] for name, (deals, value) in sums.items()]
    columns = [
        TableColumn(_("Stage lost from")),
        TableColumn(_("Lost"), "count"),
        TableColumn(_("Lost value"), "money"),
    ]
    report.add(
        Table(
            "stages",
            _("Lost by the stage they were in"),
            columns,
            rows,
            empty=_("No deal lost in this period."),
        ),
        BarChart(
            _("Deals lost from each stage"),
            [r[0] for r in rows],
            [Series(_("Lost"), [r[1] for r in rows])],
            kind="count",
            horizontal=True,
        ),
    )


def _money(value) -> str:
    return money(value)


SPEC = ReportSpec(
    "won-lost",
    _l("Won and lost"),
    build,
    default_period="last_12_months",
    summary=_l(
        "Deals won and lost per month, win rate, why and where deals are lost, "
        "average deal size and sales cycle."
    ),
)
