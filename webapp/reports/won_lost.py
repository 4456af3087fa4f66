"""Won and lost: per closing month, the deals won and lost (count and value) and the win rate;
the lost ones by reason and by the stage they were lost from; average deal size and sales
cycle. A deal counts once, as it stands now: one lost, reopened and won is a won deal."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import LostReason, Opportunity, Pipeline, Stage, StageHistory, User
from .charts import BarChart, Series
from .filters import ReportFilters
from .periods import month_label, months
from .registry import ReportSpec
from .report import Report, Table, TableColumn
from .scope import deal_conditions
from .sql import days_between, month_key

ZERO = Decimal(0)


def closed_in_period(filters: ReportFilters) -> list:
    """Deals closed (closing time in UTC) between the first and the last day of the period."""
    return [
        Opportunity.closed_at >= datetime.combine(filters.start, time.min),
        Opportunity.closed_at < datetime.combine(filters.end + timedelta(days=1), time.min),
    ]


def rate(part, whole) -> float | None:
    """``part`` as a percentage of ``whole`` (None when there is no whole)."""
    return float(part) * 100 / float(whole) if whole else None


def _count(status: str):
    return func.coalesce(func.sum(case((Opportunity.status == status, 1), else_=0)), 0)


def _value(status: str):
    return func.coalesce(
        func.sum(case((Opportunity.status == status, func.coalesce(Opportunity.amount, 0)))), 0
    )


def _closed(user: User, filters: ReportFilters) -> list:
    return [
        *deal_conditions(user, filters),
        *closed_in_period(filters),
        Opportunity.status.in_(("won", "lost")),
    ]


def build(user: User, filters: ReportFilters) -> Report:
    report = Report("Won and lost")
    where = _closed(user, filters)
    totals = _monthly(report, where, filters)
    won, lost = totals["won"], totals["lost"]
    report.figures = [
        ("Won", f"{won:,}"),
        ("Lost", f"{lost:,}"),
        ("Win rate", _percent(rate(won, won + lost))),
        ("Average deal size (won)", _money(totals["average"])),
        ("Sales cycle (won, days)", _days(totals["cycle"])),
    ]
    _by_reason(report, where, lost)
    _by_stage(report, where)
    return report


def _monthly(report: Report, where: list, filters: ReportFilters) -> dict:
    """The months table and chart, the win-rate table and chart; the period's totals."""
    month = month_key(Opportunity.closed_at)
    won_days = days_between(Opportunity.closed_at, Opportunity.created_at)
    query = (
        select(
            month.label("month"),
            _count("won").label("won"),
            _value("won").label("won_value"),
            _count("lost").label("lost"),
            _value("lost").label("lost_value"),
            func.avg(case((Opportunity.status == "won", won_days))).label("cycle"),
        )
        .where(*where)
        .group_by(month)
    )
    found = {row.month: row for row in db.session.execute(query)}
    rows, rates = [], []
    for first in months(filters.start, filters.end):
        row = found.get(f"{first:%Y-%m}")
        won, lost = (row.won, row.lost) if row else (0, 0)
        won_value = Decimal(row.won_value) if row else ZERO
        lost_value = Decimal(row.lost_value) if row else ZERO
        label = month_label(first)
        rows.append([label, won, won_value, lost, lost_value])
        rates.append([label, rate(won, won + lost), rate(won_value, won_value + lost_value)])
    won = sum(r[1] for r in rows)
    lost = sum(r[3] for r in rows)
    won_value = sum((r[2] for r in rows), ZERO)
    lost_value = sum((r[4] for r in rows), ZERO)
    columns = [
        TableColumn("Month"),
        TableColumn("Won", "count"),
        TableColumn("Won value", "money"),
        TableColumn("Lost", "count"),
        TableColumn("Lost value", "money"),
    ]
    has_deals = won + lost > 0
    report.add(
        Table(
            "months",
            "Won and lost per month",
            columns,
            rows if has_deals else [],
            ["Total", won, won_value, lost, lost_value],
        ),
        BarChart(
            "Value won and lost per month",
            [r[0] for r in rows],
            [Series("Won", [r[2] for r in rows]), Series("Lost", [r[4] for r in rows])],
        ),
    )
    report.add(
        Table(
            "win-rate",
            "Win rate per month",
            [
                TableColumn("Month"),
                TableColumn("Win rate (deals)", "percent"),
                TableColumn("Win rate (value)", "percent"),
            ],
            rates if has_deals else [],
            ["Total", rate(won, won + lost), rate(won_value, won_value + lost_value)],
        ),
        BarChart(
            "Win rate per month: won / (won + lost)",
            [r[0] for r in rates],
            [Series("By deals", [r[1] for r in rates]), Series("By value", [r[2] for r in rates])],
            kind="percent",
        ),
    )
    # The period's average cycle: each month's average weighted by its won deals.
    days = sum(float(r.cycle or 0) * r.won for r in found.values())
    return {
        "won": won,
        "lost": lost,
        "average": won_value / won if won else None,
        "cycle": days / won if won else None,
    }


def _by_reason(report: Report, where: list, lost: int) -> None:
    reason = func.coalesce(LostReason.name, "")
    query = (
        select(
            Opportunity.lost_reason_id,
            LostReason.name,
            func.count(Opportunity.id).label("deals"),
            func.coalesce(func.sum(func.coalesce(Opportunity.amount, 0)), 0).label("value"),
        )
        .outerjoin(LostReason, LostReason.id == Opportunity.lost_reason_id)
        .where(*where, Opportunity.status == "lost")
        .group_by(Opportunity.lost_reason_id, LostReason.name)
        .order_by(func.count(Opportunity.id).desc(), reason)
    )
    rows = [
        [row.name or "No reason given", row.deals, Decimal(row.value), rate(row.deals, lost)]
        for row in db.session.execute(query)
    ]
    columns = [
        TableColumn("Reason"),
        TableColumn("Lost", "count"),
        TableColumn("Lost value", "money"),
        TableColumn("Share of lost", "percent"),
    ]
    report.add(
        Table("reasons", "Lost by reason", columns, rows, empty="No deal lost in this period."),
        BarChart(
            "Deals lost by reason",
            [r[0] for r in rows],
            [Series("Lost", [r[1] for r in rows])],
            kind="count",
            horizontal=True,
        ),
    )


def lost_from_stage():
    """The stage a lost deal was in when it was lost: its stage visit that ended at the
    closing (a correlated subquery on the stage history)."""
    return (
        select(StageHistory.stage_id)
        .where(
            StageHistory.opportunity_id == Opportunity.id,
            StageHistory.left_at == Opportunity.closed_at,
        )
        .order_by(StageHistory.entered_at.desc(), StageHistory.id.desc())
        .limit(1)
        .correlate(Opportunity)
        .scalar_subquery()
    )


def _by_stage(report: Report, where: list) -> None:
    lost = (
        select(
            Opportunity.id,
            func.coalesce(Opportunity.amount, 0).label("amount"),
            lost_from_stage().label("stage_id"),
        )
        .where(*where, Opportunity.status == "lost")
        .subquery()
    )
    query = (
        select(
            lost.c.stage_id,
            Stage.name,
            Pipeline.name.label("pipeline"),
            func.count(lost.c.id).label("deals"),
            func.coalesce(func.sum(lost.c.amount), 0).label("value"),
        )
        .select_from(lost)
        .outerjoin(Stage, Stage.id == lost.c.stage_id)
        .outerjoin(Pipeline, Pipeline.id == Stage.pipeline_id)
        .group_by(lost.c.stage_id, Stage.name, Pipeline.name, Pipeline.id, Stage.position)
        .order_by(Pipeline.id, Stage.position)
    )
    found = list(db.session.execute(query))
    several = len({row.pipeline for row in found if row.pipeline}) > 1
    rows = []
    for row in found:
        if row.name is None:
            label = "Not recorded"
        else:
            label = f"{row.name} · {row.pipeline}" if several else row.name
        rows.append([label, row.deals, Decimal(row.value)])
    columns = [
        TableColumn("Stage lost from"),
        TableColumn("Lost", "count"),
        TableColumn("Lost value", "money"),
    ]
    report.add(
        Table(
            "stages",
            "Lost by the stage they were in",
            columns,
            rows,
            empty="No deal lost in this period.",
        ),
        BarChart(
            "Deals lost from each stage",
            [r[0] for r in rows],
            [Series("Lost", [r[1] for r in rows])],
            kind="count",
            horizontal=True,
        ),
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _money(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _days(value) -> str:
    return "—" if value is None else f"{value:.1f}"


SPEC = ReportSpec(
    "won-lost",
    "Won and lost",
    build,
    default_period="last_12_months",
    summary="Deals won and lost per month, win rate, why and where deals are lost, "
    "average deal size and sales cycle.",
)
