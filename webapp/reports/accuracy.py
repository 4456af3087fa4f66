"""Estimate accuracy: for the deals won in the period, the seller's objective against the final
amount against the amount the customer accepted (a plugin's accepted quote, through
``report_accepted_amounts``), per owner and per business line, with the bias in percent.
Deals without an objective or a quote are counted, and left out of that comparison only."""

from decimal import Decimal

from flask import url_for
from sqlalchemy import Numeric, case, cast, func, null, select, union_all

from ..extensions import db
from ..models import BusinessLine, Opportunity, User
from ..plugins import registry
from .charts import BarChart, Series
from .filters import ReportFilters
from .registry import ReportSpec
from .report import Link, Report, Table, TableColumn
from .scope import deal_conditions
from .won_lost import closed_in_period

ZERO = Decimal(0)

COLUMNS = [
    TableColumn("Won", "count"),
    TableColumn("Final amount", "money"),
    TableColumn("With objective", "count"),
    TableColumn("Objective", "money"),
    TableColumn("Final vs objective", "percent"),
    TableColumn("With accepted quote", "count"),
    TableColumn("Accepted quote", "money"),
    TableColumn("Final vs quote", "percent"),
]


def accepted_amounts():
    """One ``(opportunity_id, amount)`` row per deal with an accepted amount, from the
    plugins (the highest when several answer), or None when no plugin answers."""
    parts = [
        part
        for part in registry().hook("report_accepted_amounts", None, any_line=True)()
        if part is not None
    ]
    if not parts:
        return None
    rows = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    deal, amount = list(rows.c)[:2]
    return (
        select(deal.label("opportunity_id"), func.max(amount).label("amount"))
        .group_by(deal)
        .subquery("accepted_amounts")
    )


def bias(actual, estimate) -> float | None:
    """How far ``actual`` is from ``estimate``, in percent of the estimate (signed)."""
    if not estimate:
        return None
    return float(Decimal(actual) - Decimal(estimate)) * 100 / float(estimate)


def _figures(group_by: list, where: list, accepted):
    """The accuracy sums per ``group_by`` (the SELECT starts with those columns)."""
    final = func.coalesce(Opportunity.amount, 0)
    quote = cast(null(), Numeric(14, 2)) if accepted is None else accepted.c.amount
    has_objective = Opportunity.objective.is_not(None)
    has_quote = quote.is_not(None)

    def total(expression):
        return func.coalesce(func.sum(expression), 0)

    query = select(
        *group_by,
        func.count(Opportunity.id).label("won"),
        total(final).label("final"),
        total(case((has_objective, 1), else_=0)).label("with_objective"),
        total(Opportunity.objective).label("objective"),
        total(case((has_objective, final), else_=0)).label("final_objective"),
        total(case((has_quote, 1), else_=0)).label("with_quote"),
        total(quote).label("quote"),
        total(case((has_quote, final), else_=0)).label("final_quote"),
    ).where(*where)
    if accepted is not None:
        query = query.outerjoin(accepted, accepted.c.opportunity_id == Opportunity.id)
    return query.group_by(*group_by)


def _cells(sums) -> list:
    """The table cells after the first from one row of sums (a row or a dict)."""
    get = sums.__getitem__ if isinstance(sums, dict) else sums._mapping.__getitem__
    return [
        get("won"),
        Decimal(get("final")),
        get("with_objective"),
        Decimal(get("objective")),
        bias(get("final_objective"), get("objective")),
        get("with_quote"),
        Decimal(get("quote")),
        bias(get("final_quote"), get("quote")),
    ]


def _section(report: Report, key: str, first: str, rows: list, footer: list) -> None:
    """A table of accuracy per ``first`` (owner, business line) and its chart of the bias."""
    report.add(
        Table(
            key,
            f"Accuracy per {first.lower()}",
            [TableColumn(first), *COLUMNS],
            rows,
            footer,
            empty="No deal won in this period.",
        ),
        BarChart(
            f"Final amount against the estimates, per {first.lower()}",
            [str(r[0]) for r in rows],
            [
                Series("Final vs objective", [r[5] for r in rows]),
                Series("Final vs quote", [r[8] for r in rows]),
            ],
            kind="percent",
            horizontal=True,
            description="in percent; right of zero, the final amount was above the estimate",
        ),
        wide=True,
    )


def build(user: User, filters: ReportFilters) -> Report:
    report = Report("Estimate accuracy")
    where = [
        *deal_conditions(user, filters),
        *closed_in_period(filters),
        Opportunity.status == "won",
    ]
    accepted = accepted_amounts()
    owners = db.session.execute(
        _figures([Opportunity.owner_id, User.name], where, accepted)
        .join(User, User.id == Opportunity.owner_id)
        .order_by(User.name)
    ).all()
    lines = db.session.execute(
        _figures([Opportunity.business_line_id, BusinessLine.name], where, accepted)
        .join(BusinessLine, BusinessLine.id == Opportunity.business_line_id)
        .order_by(BusinessLine.name)
    ).all()
    sums = {
        key: sum((row._mapping[key] or 0 for row in owners), 0)
        for key in (
            "won",
            "final",
            "with_objective",
            "objective",
            "final_objective",
            "with_quote",
            "quote",
            "final_quote",
        )
    }
    totals = _cells(sums)
    owner_rows = [
        [
            Link(
                row.name,
                url_for("reports.show", key="accuracy", **filters.args(owner=row.owner_id)),
            ),
            *_cells(row),
        ]
        for row in owners
    ]
    _section(report, "owners", "Owner", owner_rows, ["Total", *totals])
    line_rows = [[row.name, *_cells(row)] for row in lines]
    _section(report, "lines", "Business line", line_rows, ["Total", *totals])
    won = totals[0]
    report.figures = [
        ("Won deals", f"{won:,}"),
        ("With an objective", f"{totals[2]:,} of {won:,}"),
        ("Final vs objective", _signed(totals[4])),
        ("With an accepted quote", f"{totals[5]:,} of {won:,}"),
        ("Final vs quote", _signed(totals[7])),
    ]
    report.notes = [
        "Final vs objective compares the deals that had an objective; final vs quote those "
        "with an accepted quote. Above zero: the deals closed for more than estimated."
    ]
    return report


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


SPEC = ReportSpec(
    "accuracy",
    "Estimate accuracy",
    build,
    default_period="last_12_months",
    summary="For won deals: the seller's objective, the final amount and the accepted quote, "
    "per owner and business line, with the bias.",
)
