"""Forecast: the open deals of the period by expected close month, weighted and by forecast
category, beside what was won (by closing month) and the owners' targets; the open deals
past their expected close date.

Definitions (also shown on the page):
- weighted = amount x probability of the open deals, omitted ones left out;
- commit = won + open deals in Commit; best case = commit + open deals in Best case;
- weighted forecast = won + weighted;
- attainment = won / the sum of the monthly targets of the period (a month the period covers
  in part counts its target for the days covered).

With one pipeline chosen, the weighted amount is stacked by its stages; across pipelines
(whose stages differ) it is stacked by forecast category.

Every figure comes from four grouped queries (open, won, targets, attention), whatever the
number of deals; Python only adds up their grouped rows.
"""

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import case, func, select, true

from .. import permissions
from ..extensions import db
from ..i18n import formats
from ..models import Opportunity, Stage, User
from ..models._base import utcnow
from ..models.forecast import SalesTarget, category_expression
from . import shown
from .charts import BarChart, Series
from .filters import ReportFilters
from .periods import add_months, month_start, months, quarter_start
from .registry import ReportSpec
from .report import Link, Report, Table, TableColumn
from .scope import chosen_pipeline, deal_conditions, owner_conditions
from .sql import month_key

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_MONTHS = 60  # a longer custom period is cut: one row and one bar per month
ATTENTION_ROWS = 50  # the overdue deals listed (all are counted)
# The categories stacked (omitted ones are not in the forecast), named as the page shows them.
STACKED_CATEGORIES = {
    "commit": _l("Commit"),
    "best_case": _l("Best case"),
    "pipeline": _l("Pipeline"),
}


def money(value) -> Decimal:
    """A SQL sum as Decimal to the cent (SQLite may answer a float for amount x %)."""
    if value is None:
        return ZERO
    return Decimal(str(value) if isinstance(value, float) else value).quantize(CENT)


def percent(part: Decimal, whole: Decimal) -> float | None:
    return float(part * 100 / whole) if whole else None


class Totals:
    """The figures of one month, quarter, owner or of the whole period."""

    def __init__(self):
        self.deals = 0
        self.amount = ZERO
        self.weighted = ZERO
        self.commit_open = ZERO
        self.best_case_open = ZERO
        self.won = ZERO
        self.target: Decimal | None = None
        self.stacks: dict = defaultdict(lambda: ZERO)  # stage id or category -> weighted

    def add_open(self, deals: int, amount: Decimal, weighted, stack, category: str) -> None:
        """One group of open deals (``weighted`` None: omitted from the forecast)."""
        self.deals += deals
        self.amount += amount
        if weighted is not None:
            self.weighted += weighted
            self.stacks[stack] += weighted
        if category == "commit":
            self.commit_open += amount
        elif category == "best_case":
            self.best_case_open += amount

    def add(self, other: "Totals") -> None:
        self.deals += other.deals
        self.amount += other.amount
        self.weighted += other.weighted
        self.commit_open += other.commit_open
        self.best_case_open += other.best_case_open
        self.won += other.won
        if other.target is not None:
            self.target = (self.target or ZERO) + other.target
        for key, value in other.stacks.items():
            self.stacks[key] += value

    @property
    def commit(self) -> Decimal:
        return self.won + self.commit_open

    @property
    def best_case(self) -> Decimal:
        return self.commit + self.best_case_open

    @property
    def attainment(self) -> float | None:
        return percent(self.won, self.target) if self.target else None


def _open_rows(user: User, filters: ReportFilters):
    """Open deals closing in the period, grouped by month, owner, stage and category."""
    weighted = Opportunity.amount * Opportunity.probability / 100
    ranged = (Opportunity.revenue_low.isnot(None)) | (Opportunity.revenue_high.isnot(None))
    return db.session.execute(
        select(
            month_key(Opportunity.close_date).label("month"),
            Opportunity.owner_id,
            Opportunity.stage_id,
            category_expression(Opportunity.forecast_category, Opportunity.probability).label(
                "category"
            ),
            func.count(Opportunity.id).label("deals"),
            func.sum(Opportunity.amount).label("amount"),
            func.sum(weighted).label("weighted"),
            func.sum(Opportunity.revenue_low).label("low"),
            func.sum(Opportunity.revenue_high).label("high"),
            func.count(case((ranged, 1))).label("ranged"),
        )
        .where(
            *deal_conditions(user, filters),
            Opportunity.status == "open",
            Opportunity.close_date >= filters.start,
            Opportunity.close_date <= filters.end,
        )
        .group_by("month", Opportunity.owner_id, Opportunity.stage_id, "category")
    ).all()


def _won_rows(user: User, filters: ReportFilters):
    """Deals won in the period, by closing month and owner."""
    start = datetime.combine(filters.start, time.min)
    end = datetime.combine(filters.end + timedelta(days=1), time.min)
    return db.session.execute(
        select(
            month_key(Opportunity.closed_at).label("month"),
            Opportunity.owner_id,
            func.sum(Opportunity.amount).label("won"),
        )
        .where(
            *deal_conditions(user, filters),
            Opportunity.status == "won",
            Opportunity.closed_at >= start,
            Opportunity.closed_at < end,
        )
        .group_by("month", Opportunity.owner_id)
    ).all()


def _target_rows(user: User, filters: ReportFilters, line_id: int | None):
    """Monthly targets of the period's months, by month and owner, in the lines in scope."""
    conditions = [
        SalesTarget.month >= month_start(filters.start),
        SalesTarget.month <= filters.end,
        *owner_conditions(user, filters, SalesTarget.owner_id),
    ]
    # The owners' targets whose deals the user may see (the line's visibility rule).
    conditions.append(
        permissions.visible_rows(user, SalesTarget.business_line_id, SalesTarget.owner_id)
    )
    if line_id:
        conditions.append(SalesTarget.business_line_id == line_id)
    return db.session.execute(
        select(
            month_key(SalesTarget.month).label("month"),
            SalesTarget.owner_id,
            func.sum(SalesTarget.amount).label("target"),
        )
        .where(*conditions)
        .group_by("month", SalesTarget.owner_id)
    ).all()


def _partial_months(filters: ReportFilters) -> list[tuple[date, int, int]]:
    """(month, days of it in the period, days in it) of the period's first and last months
    when the period covers them in part."""
    found = []
    for month in dict.fromkeys((month_start(filters.start), month_start(filters.end))):
        last = add_months(month, 1) - timedelta(days=1)
        covered = (min(last, filters.end) - max(month, filters.start)).days + 1
        if covered < last.day:
            found.append((month, covered, last.day))
    return found


def _attention(user: User, filters: ReportFilters, today: date):
    """Open deals whose expected close date has passed (any period): the first ones listed,
    all counted; and the open deals without a close date."""
    conditions = [*deal_conditions(user, filters), Opportunity.status == "open"]
    overdue = Opportunity.close_date < today
    undated = Opportunity.close_date.is_(None)
    # One range of the open deals' index each (an OR of the two would read every open deal).
    overdue_sums, undated_sums = (
        select(func.count().label("deals"), func.sum(Opportunity.amount).label("amount"))
        .where(*conditions, which)
        .subquery(name)
        for name, which in (("overdue", overdue), ("undated", undated))
    )
    counts = db.session.execute(
        select(
            overdue_sums.c.deals.label("overdue"),
            overdue_sums.c.amount.label("overdue_amount"),
            undated_sums.c.deals.label("undated"),
            undated_sums.c.amount.label("undated_amount"),
        ).select_from(overdue_sums.join(undated_sums, true()))
    ).one()
    rows = db.session.execute(
        select(
            Opportunity.id,
            Opportunity.name,
            Opportunity.close_date,
            Opportunity.amount,
            User.name.label("owner"),
            Stage.name.label("stage"),
        )
        .join(User, User.id == Opportunity.owner_id)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .where(*conditions, overdue)
        .order_by(Opportunity.close_date, Opportunity.id)
        .limit(ATTENTION_ROWS)
    ).all()
    return counts, rows


def build(user: User, filters: ReportFilters, today: date | None = None) -> Report:
    today = today or utcnow().date()
    report = Report(_("Forecast"))
    last = add_months(month_start(filters.start), MAX_MONTHS) - timedelta(days=1)
    if filters.end > last:
        filters = replace(filters, end=last)
        report.notes.append(
            _(
                "Shown: the first %(count)d months of the period, to %(day)s.",
                count=MAX_MONTHS,
                day=formats.day(last),
            )
        )
    pipeline = chosen_pipeline(user, filters) if filters.pipeline_id else None
    if pipeline is not None and pipeline.id != filters.pipeline_id:
        pipeline = None  # a pipeline the user may not see: the scope already shows nothing
    stages = []
    if pipeline is not None:
        stages = db.session.execute(
            select(Stage.id, Stage.name)
            .where(Stage.pipeline_id == pipeline.id, Stage.kind == "open")
            .order_by(Stage.position)
        ).all()
    line_id = filters.business_line_id or (pipeline.business_line_id if pipeline else None)

    period_months = months(filters.start, filters.end)
    by_month = {f"{m:%Y-%m}": Totals() for m in period_months}
    by_owner: dict[int, Totals] = defaultdict(Totals)
    low = high = ZERO
    ranged = 0

    for row in _open_rows(user, filters):
        amount = money(row.amount)
        low, high, ranged = low + money(row.low), high + money(row.high), ranged + row.ranged
        category = row.category
        weighted = money(row.weighted) if category != "omitted" else None
        stack = row.stage_id if stages else category
        by_month[row.month].add_open(row.deals, amount, weighted, stack, category)
        by_owner[row.owner_id].add_open(row.deals, amount, weighted, stack, category)
    for row in _won_rows(user, filters):
        won = money(row.won)
        by_month[row.month].won += won
        by_owner[row.owner_id].won += won
    # A target is monthly: a period from the 16th of a 30-day month counts half of it.
    partial = _partial_months(filters)
    shares = {f"{month:%Y-%m}": Decimal(covered) / days for month, covered, days in partial}
    for row in _target_rows(user, filters, line_id):
        target = money(money(row.target) * shares.get(row.month, 1))
        for figures in (by_month[row.month], by_owner[row.owner_id]):
            figures.target = (figures.target or ZERO) + target

    total = Totals()
    for figures in by_month.values():
        total.add(figures)

    report.figures = [
        (_("Won"), shown.amount(total.won)),
        (_("Commit"), shown.amount(total.commit)),
        (_("Best case"), shown.amount(total.best_case)),
        (_("Weighted forecast"), shown.amount(total.won + total.weighted)),
        (_("Open pipeline"), shown.amount(total.amount)),
        (_("Target"), shown.amount(total.target)),
        (_("Attainment"), shown.percent(total.attainment)),
    ]
    if ranged:
        report.figures.append(
            (
                ngettext("Revenue range (%(num)d deal)", "Revenue range (%(num)d deals)", ranged),
                f"{shown.amount(low)} – {shown.amount(high)}",
            )
        )
    report.notes.append(
        _(
            "Commit = won + open deals in Commit; Best case = Commit + open deals in Best "
            "case; weighted forecast = won + open amounts × probability. Omitted deals count "
            "in the open pipeline only. A deal without a category set follows its probability "
            "(Commit from 70%%, Best case from 40%%). Won deals count in the month they were "
            "won."
        )
    )

    if partial:
        covers = (
            _("%(covered)d of %(days)d days of %(month)s", covered=c, days=d,
              month=shown.month_label(m))
            for m, c, d in partial
        )  # fmt: skip
        report.notes.append(
            _(
                "The period covers part of a month: its target counts for the days covered "
                "(%(days)s).",
                days="; ".join(covers),
            )
        )
    _month_sections(report, period_months, by_month, total, stages)
    _owner_section(report, filters, by_owner)
    _attention_section(report, *_attention(user, filters, today), today)
    return report


def _month_sections(report, period_months, by_month, total, stages) -> None:
    columns = [
        TableColumn(_("Month")),
        TableColumn(_("Won"), "money"),
        TableColumn(_("Open deals"), "count"),
        TableColumn(_("Open amount"), "money"),
        TableColumn(_("Weighted"), "money"),
        TableColumn(_("Commit"), "money"),
        TableColumn(_("Best case"), "money"),
        TableColumn(_("Target"), "money"),
        TableColumn(_("Attainment"), "percent"),
    ]

    def line(label: str, f: Totals) -> list:
        return [
            label,
            f.won,
            f.deals,
            f.amount,
            f.weighted,
            f.commit,
            f.best_case,
            f.target,
            f.attainment,
        ]

    rows = []
    quarters = {quarter_start(m) for m in period_months}
    quarter = Totals()
    for index, month in enumerate(period_months):
        figures = by_month[f"{month:%Y-%m}"]
        rows.append(line(shown.month_label(month), figures))
        quarter.add(figures)
        following = period_months[index + 1] if index + 1 < len(period_months) else None
        if len(quarters) > 1 and (
            following is None or quarter_start(following) != quarter_start(month)
        ):
            rows.append(line(_("%(quarter)s total", quarter=shown.quarter_label(month)), quarter))
            quarter = Totals()
    labels = [shown.month_label(m) for m in period_months]
    monthly = [by_month[f"{m:%Y-%m}"] for m in period_months]
    targets = [f.target for f in monthly]
    has_targets = any(t is not None for t in targets)
    report.add(
        Table(
            "months",
            _("By expected close month"),
            columns,
            rows,
            line(_("Total"), total),
            wide=True,
        ),
        BarChart(
            _("Won, open and weighted amount per month"),
            labels,
            [
                Series(_("Won"), [f.won for f in monthly]),
                Series(_("Open amount"), [f.amount for f in monthly]),
                Series(_("Weighted"), [f.weighted for f in monthly]),
            ],
            marker_name=_("Target") if has_targets else None,
            markers=targets if has_targets else None,
            description=_("open deals by expected close month, won deals by the month won"),
        ),
    )

    stacks = (
        [(stage.id, stage.name) for stage in stages]
        if stages
        else [(key, str(name)) for key, name in STACKED_CATEGORIES.items()]
    )
    stack_columns = [
        TableColumn(_("Month")),
        TableColumn(_("Won"), "money"),
        *(TableColumn(_("Weighted: %(name)s", name=name), "money") for _key, name in stacks),
        TableColumn(_("Target"), "money"),
    ]
    stack_rows = [
        [label, f.won, *(f.stacks[key] for key, _ in stacks), f.target]
        for label, f in zip(labels, monthly, strict=True)
    ]
    stack_footer = [_("Total"), total.won, *(total.stacks[key] for key, _ in stacks), total.target]
    report.add(
        Table(
            "stacks",
            _("Won and weighted amount by stage")
            if stages
            else _("Won and weighted amount by forecast category"),
            stack_columns,
            stack_rows,
            stack_footer,
            wide=len(stack_columns) > 6,
        ),
        BarChart(
            _("Won and weighted open amount per month, by stage")
            if stages
            else _("Won and weighted open amount per month, by forecast category"),
            labels,
            [
                Series(_("Won"), [f.won for f in monthly]),
                *(Series(name, [f.stacks[key] for f in monthly]) for key, name in stacks),
            ],
            stacked=True,
            marker_name=_("Target") if has_targets else None,
            markers=targets if has_targets else None,
        ),
    )


def _owner_section(report, filters: ReportFilters, by_owner: dict) -> None:
    names = dict(
        db.session.execute(
            select(User.id, User.name).where(User.id.in_(list(by_owner) or [0]))
        ).all()
    )
    owners = sorted(by_owner, key=lambda owner_id: (names.get(owner_id) or "").lower())
    columns = [
        TableColumn(_("Owner")),
        TableColumn(_("Open deals"), "count"),
        TableColumn(_("Open amount"), "money"),
        TableColumn(_("Weighted"), "money"),
        TableColumn(_("Commit"), "money"),
        TableColumn(_("Best case"), "money"),
        TableColumn(_("Won"), "money"),
        TableColumn(_("Target"), "money"),
        TableColumn(_("Attainment"), "percent"),
    ]
    rows = []
    for owner_id in owners:
        f = by_owner[owner_id]
        url = url_for("reports.show", key="forecast", **filters.args(owner=owner_id))
        rows.append(
            [
                Link(names.get(owner_id, "—"), url),
                f.deals,
                f.amount,
                f.weighted,
                f.commit,
                f.best_case,
                f.won,
                f.target,
                f.attainment,
            ]
        )
    total = Totals()
    for f in by_owner.values():
        total.add(f)
    footer = [
        _("Total"),
        total.deals,
        total.amount,
        total.weighted,
        total.commit,
        total.best_case,
        total.won,
        total.target,
        total.attainment,
    ]
    targets = [by_owner[o].target for o in owners]
    has_targets = any(t is not None for t in targets)
    report.add(
        Table("owners", _("Per owner"), columns, rows, footer, wide=True),
        BarChart(
            _("Won, commit and best case per owner"),
            [names.get(o, "—") for o in owners],
            [
                Series(_("Won"), [by_owner[o].won for o in owners]),
                Series(_("Commit"), [by_owner[o].commit for o in owners]),
                Series(_("Best case"), [by_owner[o].best_case for o in owners]),
            ],
            horizontal=True,
            marker_name=_("Target") if has_targets else None,
            markers=targets if has_targets else None,
        ),
    )


def _attention_section(report, counts, rows, today: date) -> None:
    columns = [
        TableColumn(_("Deal")),
        TableColumn(_("Owner")),
        TableColumn(_("Stage")),
        TableColumn(_("Expected close"), "date"),
        TableColumn(_("Days overdue"), "count"),
        TableColumn(_("Amount"), "money"),
    ]
    table_rows = [
        [
            Link(row.name, url_for("opportunities.detail", opportunity_id=row.id)),
            row.owner,
            row.stage,
            row.close_date,
            (today - row.close_date).days,
            money(row.amount),
        ]
        for row in rows
    ]
    title = _("Needing attention: open deals past their expected close date")
    if counts.overdue > len(rows):
        title = _(
            "Needing attention: open deals past their expected close date "
            "(the first %(shown)d of %(count)d)",
            shown=len(rows),
            count=counts.overdue,
        )
    footer = (
        [
            ngettext("%(num)d deal", "%(num)d deals", counts.overdue),
            None,
            None,
            None,
            None,
            money(counts.overdue_amount),
        ]
        if counts.overdue
        else None
    )
    report.add(
        Table(
            "attention",
            title,
            columns,
            table_rows,
            footer,
            empty=_("No open deal is past its expected close date."),
        )
    )
    if counts.undated:
        report.notes.append(
            _(
                "Open deals without an expected close date, in no month: %(count)s (%(amount)s).",
                count=shown.count(counts.undated),
                amount=shown.amount(money(counts.undated_amount)),
            )
        )


SPEC = ReportSpec(
    "forecast",
    _l("Forecast"),
    build,
    summary=_l(
        "Won, commit, best case and weighted amount by expected close month, per "
        "owner against their targets; the deals past their close date."
    ),
)
