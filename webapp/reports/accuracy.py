"""Estimate accuracy: for the deals won in the period, the seller's objective against the final
amount against the amount the customer accepted (a plugin's accepted quote, through
``report_accepted_amounts``), per owner and per business line, with the bias in percent.
Deals without an objective or a quote are counted, and left out of that comparison only."""

from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Numeric, case, cast, func, null, select, union_all

from ..extensions import db
from ..models import BusinessLine, Opportunity, User
from ..plugins import registry
from . import shown
from .charts import BarChart, Series
from .filters import ReportFilters
from .registry import ReportSpec
from .report import Link, Report, Table, TableColumn
from .scope import deal_conditions
from .sql import not_searched
from .won_lost import closed_in_period

ZERO = Decimal(0)

COLUMNS = [
    TableColumn(_l("Won"), "count"),
    TableColumn(_l("Final amount"), "money"),
    TableColumn(_l("With objective"), "count"),
    TableColumn(_l("Objective"), "money"),
    TableColumn(_l("Final vs objective"), "percent"),
    TableColumn(_l("With accepted quote"), "count"),
    TableColumn(_l("Accepted quote"), "money"),
    TableColumn(_l("Final vs quote"), "percent"),
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


SUMS = (
    "won",
    "final",
    "with_objective",
    "objective",
    "final_objective",
    "with_quote",
    "quote",
    "final_quote",
)


def accuracy_groups(where: list) -> list:
    """The accuracy sums of the won deals per owner and business line, with their names,
    in one query (the per-owner and per-line tables add these groups up)."""
    accepted = accepted_amounts()
    final = func.coalesce(Opportunity.amount, 0)
    quote = cast(null(), Numeric(14, 2)) if accepted is None else accepted.c.amount
    has_objective = Opportunity.objective.is_not(None)
    has_quote = quote.is_not(None)

    def total(expression):
        return func.coalesce(func.sum(expression), 0)

    groups = select(
        Opportunity.owner_id,
        Opportunity.business_line_id,
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
        groups = groups.outerjoin(accepted, accepted.c.opportunity_id == Opportunity.id)
    # The owner as SQLite will not read in an index's order: else it reads every won deal
    # through the index whose order is the GROUP BY's (ix_opportunities_list_totals), and the
    # table, instead of the period's range of the closed deals' covering index (a third of
    # the time at 100k deals).
    owner = not_searched(Opportunity.owner_id)
    groups = groups.group_by(owner, Opportunity.business_line_id).subquery()
    query = (
        select(groups, User.name.label("owner"), BusinessLine.name.label("line"))
        .join(User, User.id == groups.c.owner_id)
        .join(BusinessLine, BusinessLine.id == groups.c.business_line_id)
    )
    return list(db.session.execute(query))


def _add_up(groups: list, key) -> dict:
    """The sums of the groups per ``key(group)``, in the order of the keys' names."""
    found: dict = {}
    for group in groups:
        sums = found.setdefault(key(group), dict.fromkeys(SUMS, 0))
        for name in SUMS:
            sums[name] += getattr(group, name) or 0
    return dict(sorted(found.items(), key=lambda item: _name(item[0]).lower()))


def _name(key) -> str:
    return key[0] if isinstance(key, tuple) else key


def _cells(sums: dict) -> list:
    """The table cells after the first from one group's sums."""
    return [
        sums["won"],
        Decimal(sums["final"]),
        sums["with_objective"],
        Decimal(sums["objective"]),
        bias(sums["final_objective"], sums["objective"]),
        sums["with_quote"],
        Decimal(sums["quote"]),
        bias(sums["final_quote"], sums["quote"]),
    ]


def _section(report: Report, key: str, titles: tuple, rows: list, footer: list) -> None:
    """A table of accuracy per owner or business line and its chart of the bias; ``titles``:
    the first column's, the table's, the chart's."""
    first, table_title, chart_title = titles
    report.add(
        Table(
            key,
            table_title,
            [TableColumn(first), *(TableColumn(str(c.label), c.kind) for c in COLUMNS)],
            rows,
            footer,
            empty=_("No deal won in this period."),
        ),
        BarChart(
            chart_title,
            [str(r[0]) for r in rows],
            [
                Series(_("Final vs objective"), [r[5] for r in rows]),
                Series(_("Final vs quote"), [r[8] for r in rows]),
            ],
            kind="percent",
            horizontal=True,
            description=_("in percent; right of zero, the final amount was above the estimate"),
        ),
        wide=True,
    )


def build(user: User, filters: ReportFilters) -> Report:
    report = Report(_("Estimate accuracy"))
    where = [
        *deal_conditions(user, filters),
        *closed_in_period(filters),
        Opportunity.status == "won",
    ]
    groups = accuracy_groups(where)
    totals = _cells(_add_up(groups, lambda g: "Total").get("Total", dict.fromkeys(SUMS, 0)))
    owner_rows = [
        [
            Link(name, url_for("reports.show", key="accuracy", **filters.args(owner=owner_id))),
            *_cells(sums),
        ]
        for (name, owner_id), sums in _add_up(groups, lambda g: (g.owner, g.owner_id)).items()
    ]
    owner_titles = (
        _("Owner"),
        _("Accuracy per owner"),
        _("Final amount against the estimates, per owner"),
    )
    _section(report, "owners", owner_titles, owner_rows, [_("Total"), *totals])
    line_rows = [[name, *_cells(sums)] for name, sums in _add_up(groups, lambda g: g.line).items()]
    line_titles = (
        _("Business line"),
        _("Accuracy per business line"),
        _("Final amount against the estimates, per business line"),
    )
    _section(report, "lines", line_titles, line_rows, [_("Total"), *totals])
    won = totals[0]
    report.figures = [
        (_("Won deals"), shown.count(won)),
        (
            _("With an objective"),
            _("%(part)s of %(whole)s", part=shown.count(totals[2]), whole=shown.count(won)),
        ),
        (_("Final vs objective"), _signed(totals[4])),
        (
            _("With an accepted quote"),
            _("%(part)s of %(whole)s", part=shown.count(totals[5]), whole=shown.count(won)),
        ),
        (_("Final vs quote"), _signed(totals[7])),
    ]
    report.notes = [
        _(
            "Final vs objective compares the deals that had an objective; final vs quote those "
            "with an accepted quote. Above zero: the deals closed for more than estimated."
        )
    ]
    return report


def _signed(value: float | None) -> str:
    return shown.signed_percent(value)


SPEC = ReportSpec(
    "accuracy",
    _l("Estimate accuracy"),
    build,
    default_period="last_12_months",
    summary=_l(
        "For won deals: the seller's objective, the final amount and the accepted quote, "
        "per owner and business line, with the bias."
    ),
)
