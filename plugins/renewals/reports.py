"""The Renewals report: the won contracts whose term ends in the period (start + months, as
``terms.term_end``), per month of their end: how many were renewed (a renewal deal linked to
them and won), have a renewal still open or lost, or none yet; the renewal rate among the
contracts settled (ended, or their renewal won or lost); the uplift of the renewals won
over the original amounts."""

from datetime import date
from decimal import Decimal

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, null, or_, select, union_all
from sqlalchemy.orm import aliased

from webapp.extensions import db
from webapp.models import Account, Opportunity, PluginEnablement, User
from webapp.models._base import utcnow
from webapp.reports import shown
from webapp.reports.charts import BarChart, Series
from webapp.reports.filters import ReportFilters
from webapp.reports.periods import capped, months
from webapp.reports.registry import ReportSpec
from webapp.reports.report import Link, Report, Table, TableColumn
from webapp.reports.scope import deal_conditions
from webapp.reports.shown import month_label
from webapp.reports.sql import month_key, not_searched

from .models import DealLink

PLUGIN = "renewals"
ZERO = Decimal(0)
OUTCOMES = ("renewed", "open", "lost", "none")
AWAITING_LIMIT = 50


def renewal_outcomes():
    """Per renewed deal (``source_id``): whether a renewal of it (not in the trash) was won,
    is open or was lost, and the amount of the won one. Read from the links (few), not from
    every deal not in the trash."""
    renewal = aliased(Opportunity)

    def has(status: str):
        return func.max(case((renewal.status == status, 1), else_=0))

    return (
        select(
            DealLink.source_id,
            has("won").label("won"),
            has("open").label("open"),
            has("lost").label("lost"),
            func.sum(case((renewal.status == "won", func.coalesce(renewal.amount, 0)))).label(
                "won_amount"
            ),
        )
        .join(renewal, renewal.id == DealLink.opportunity_id)
        .where(DealLink.kind == "renewal", not_searched(renewal.deleted_at).is_(None))
        .group_by(DealLink.source_id)
        .subquery("renewal_outcomes")
    )


def _enabled_lines():
    return select(PluginEnablement.business_line_id).where(
        PluginEnablement.plugin == PLUGIN, PluginEnablement.enabled.is_(True)
    )


def _terms(user: User, filters: ReportFilters):
    """The won contracts of the enabled lines whose term ends in the period: id, amount,
    the end of the term (``Opportunity.term_end``, stored by the database and indexed), the
    outcome of its renewal (``OUTCOMES``) and the renewal's won amount."""
    outcome = renewal_outcomes()
    status = case(
        (outcome.c.won == 1, "renewed"),
        (outcome.c.open == 1, "open"),
        (outcome.c.lost == 1, "lost"),
        else_="none",
    )
    return (
        select(
            Opportunity.id,
            Opportunity.amount,
            Opportunity.term_end.label("ends"),
            status.label("status"),
            outcome.c.won_amount,
        )
        .outerjoin(outcome, outcome.c.source_id == Opportunity.id)
        .where(
            *deal_conditions(user, filters),
            Opportunity.business_line_id.in_(_enabled_lines()),
            Opportunity.status == "won",
            Opportunity.contract_months > 0,
            Opportunity.term_end.between(filters.start, filters.end),
        )
        .cte("terms")
    )


def build(user: User, filters: ReportFilters) -> Report:
    report = Report(_("Renewals"))
    filters = capped(filters, report)
    terms = _terms(user, filters)
    renewed = terms.c.status == "renewed"
    settled = or_(terms.c.ends <= utcnow().date(), terms.c.status.in_(("renewed", "lost")))

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def total(condition, value):
        return func.coalesce(func.sum(case((condition, func.coalesce(value, 0)), else_=0)), 0)

    month = month_key(terms.c.ends)
    figures = (
        select(
            month.label("month"),
            func.count(terms.c.id).label("due"),
            func.coalesce(func.sum(func.coalesce(terms.c.amount, 0)), 0).label("due_amount"),
            *(count(terms.c.status == name).label(name) for name in OUTCOMES),
            count(settled).label("settled"),
            total(renewed, terms.c.amount).label("original"),
            total(renewed, terms.c.won_amount).label("renewal"),
            null().label("id"),
            null().label("ends"),
        )
        .group_by(month)
    )
    # In the same statement, so that the terms are read once: the first contracts due with
    # no renewal deal (``_awaiting``), as rows with an id and no month.
    awaiting = (
        select(terms.c.id, terms.c.ends)
        .where(terms.c.status == "none")
        .order_by(terms.c.ends, terms.c.id)
        .limit(AWAITING_LIMIT)
        .subquery("awaiting")
    )
    blanks = (null() for _ in range(len(figures.selected_columns) - 2))
    rows = db.session.execute(
        union_all(figures, select(*blanks, awaiting.c.id, awaiting.c.ends))
    ).all()
    found = {row.month: row for row in rows if row.id is None}
    due_rows, uplift_rows = [], []
    for first in months(filters.start, filters.end):
        row = found.get(f"{first:%Y-%m}")
        label = month_label(first)
        if row is None:
            due_rows.append([label, 0, ZERO, 0, 0, 0, 0, None])
            uplift_rows.append([label, 0, ZERO, ZERO, None])
            continue
        due_rows.append(
            [
                label,
                row.due,
                Decimal(row.due_amount),
                row.renewed,
                row.open,
                row.lost,
                row.none,
                _rate(row.renewed, row.settled),
            ]
        )
        uplift_rows.append(
            [
                label,
                row.renewed,
                Decimal(row.original),
                Decimal(row.renewal),
                _uplift(row.renewal, row.original),
            ]
        )
    sums = {
        key: sum((getattr(row, key) for row in found.values()), 0)
        for key in ("due", "due_amount", *OUTCOMES, "settled", "original", "renewal")
    }
    has_rows = sums["due"] > 0
    due_table = Table(
        "due",
        _("Contracts ending per month, and their renewal"),
        [
            TableColumn(_("Term ends")),
            TableColumn(_("Due"), "count"),
            TableColumn(_("Amount due"), "money"),
            TableColumn(_("Renewed"), "count"),
            TableColumn(_("Renewal open"), "count"),
            TableColumn(_("Renewal lost"), "count"),
            TableColumn(_("No renewal"), "count"),
            TableColumn(_("Renewal rate"), "percent"),
        ],
        due_rows if has_rows else [],
        [
            _("Total"),
            sums["due"],
            Decimal(sums["due_amount"]),
            *(sums[name] for name in OUTCOMES),
            _rate(sums["renewed"], sums["settled"]),
        ],
        empty=_("No contract term ends in this period."),
    )
    names = (_("Renewed"), _("Renewal open"), _("Renewal lost"), _("No renewal"))
    report.add(
        due_table,
        BarChart(
            _("Contracts ending per month, by the outcome of their renewal"),
            [r[0] for r in due_rows],
            [Series(name, [r[3 + i] for r in due_rows]) for i, name in enumerate(names)],
            kind="count",
            stacked=True,
        ),
        wide=True,
    )
    report.add(
        Table(
            "uplift",
            _("Uplift of the renewals won"),
            [
                TableColumn(_("Term ends")),
                TableColumn(_("Renewed"), "count"),
                TableColumn(_("Original amount"), "money"),
                TableColumn(_("Renewal amount"), "money"),
                TableColumn(_("Uplift"), "percent"),
            ],
            uplift_rows if sums["renewed"] else [],
            [
                _("Total"),
                sums["renewed"],
                Decimal(sums["original"]),
                Decimal(sums["renewal"]),
                _uplift(sums["renewal"], sums["original"]),
            ],
            empty=_("No renewal won for these contracts."),
        ),
        BarChart(
            _("Original and renewal amounts of the renewals won"),
            [r[0] for r in uplift_rows],
            [
                Series(_("Original amount"), [r[2] for r in uplift_rows]),
                Series(_("Renewal amount"), [r[3] for r in uplift_rows]),
            ],
        ),
    )
    rate, uplift = (
        _rate(sums["renewed"], sums["settled"]),
        _uplift(sums["renewal"], sums["original"]),
    )
    report.figures = [
        (_("Contracts due"), shown.count(sums["due"])),
        (_("Amount due"), shown.amount(Decimal(sums["due_amount"]))),
        (_("Renewal rate"), shown.percent(rate)),
        (_("Uplift"), shown.signed_percent(uplift)),
    ]
    _awaiting(report, [(row.id, row.ends) for row in rows if row.id is not None])
    report.notes.insert(
        0,
        _(
            "A contract is due when its term (start + months) ends in the period, renewed when "
            "a renewal deal linked to it was won. The renewal rate is renewed / settled: the "
            "contracts already ended, and those whose renewal was won or lost before the end."
        ),
    )
    return report


def _awaiting(report: Report, due: list[tuple]) -> None:
    """The first contracts due that no renewal deal was made for, by the end of their term:
    ``due`` holds their (id, end of term)."""
    ends = {
        deal_id: end if isinstance(end, date) else date.fromisoformat(end) for deal_id, end in due
    }
    query = (
        select(
            Opportunity.id,
            Opportunity.name,
            Account.name.label("account"),
            User.name.label("owner"),
            Opportunity.amount,
        )
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .join(User, User.id == Opportunity.owner_id)
        .where(Opportunity.id.in_(ends))
    )
    found = sorted(db.session.execute(query), key=lambda row: (ends[row.id], row.id))
    rows = [
        [
            Link(row.name, url_for("opportunities.detail", opportunity_id=row.id)),
            row.account,
            row.owner,
            ends[row.id],
            row.amount,
        ]
        for row in found
    ]
    report.add(
        Table(
            "awaiting",
            _("Contracts due with no renewal deal yet (the first %(count)d)", count=AWAITING_LIMIT),
            [
                TableColumn(_("Deal")),
                TableColumn(_("Account")),
                TableColumn(_("Owner")),
                TableColumn(_("Term ends"), "date"),
                TableColumn(_("Amount"), "money"),
            ],
            rows,
            empty=_("Every contract due has a renewal deal."),
        )
    )


def _rate(part, whole) -> float | None:
    return float(part) * 100 / float(whole) if whole else None


def _uplift(renewal, original) -> float | None:
    return (float(renewal) - float(original)) * 100 / float(original) if original else None


SPEC = ReportSpec(
    "renewals",
    _l("Renewals"),
    build,
    default_period="next_12_months",
    summary=_l("Contracts whose term ends in the period: renewed or not, renewal rate, uplift."),
)
