"""Bulk renewals: renew every won deal whose term ends in a period, once.

Used by ``opportuno renewals generate`` and the admin page. A deal that already has a live
renewal is never renewed again, so running twice creates nothing twice; a dry run plans
without writing. Auto-renewal policies run the same code per business line.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from webapp import permissions
from webapp.errors import DomainError, ValidationError
from webapp.extensions import db
from webapp.models import BusinessLine, Opportunity, PluginEnablement, User
from webapp.opportunities import fields
from webapp.transactions import transactional

from . import services
from .lineage import PLUGIN
from .models import DealLink, RenewalPolicy
from .terms import add_months, default_name, renewal_close_date, term_end, term_start

MAX_PERIOD_DAYS = 3660


@dataclass
class PlannedRenewal:
    """One row of a bulk run: the source deal and what happened (or would happen) to it."""

    source: Opportunity
    term_end: date
    name: str
    close_date: date
    amount: Decimal | None
    status: str = "planned"  # planned, created, failed
    message: str = ""
    new: Opportunity | None = None


def enabled_business_lines(user: User) -> list[BusinessLine]:
    """Business lines with the renewals plugin enabled that ``user`` manages."""
    lines = db.session.scalars(
        select(BusinessLine)
        .join(PluginEnablement, PluginEnablement.business_line_id == BusinessLine.id)
        .where(PluginEnablement.plugin == PLUGIN, PluginEnablement.enabled.is_(True))
        .order_by(BusinessLine.name)
    )
    return [line for line in lines if permissions.manages(user, line.id)]


def policy_for(business_line_id: int) -> RenewalPolicy:
    """The line's auto-renewal policy (a default, unsaved one when none was set)."""
    policy = db.session.get(RenewalPolicy, business_line_id)
    return policy or RenewalPolicy(
        business_line_id=business_line_id, auto_renew=False, days_before=60, uplift=Decimal(0)
    )


@transactional
def save_policy(user: User, business_line_id: int, data: dict) -> RenewalPolicy:
    permissions.require(
        permissions.manages(user, business_line_id),
        _("Only a manager of this business line may change its renewals."),
    )
    errors = {}
    try:
        days = fields.integer("days_before", data.get("days_before"))
        if days is None or not 1 <= days <= 365:
            errors["days_before"] = _("Enter a number of days between 1 and 365.")
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        uplift = services.parse_uplift(data.get("uplift"))
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    policy = db.session.get(RenewalPolicy, business_line_id)
    if policy is None:
        policy = RenewalPolicy(business_line_id=business_line_id)
        db.session.add(policy)
    policy.auto_renew = data.get("auto_renew") in ("on", "1", "true", True)
    policy.days_before, policy.uplift = days, uplift
    return policy


def candidates(date_from: date, date_to: date, business_line_ids: list[int]) -> list:
    """Won deals of those lines whose term ends in [date_from, date_to] and that have no
    live renewal, with (deal, term end) pairs, ordered by term end."""
    if not business_line_ids:
        return []
    start = func.coalesce(Opportunity.contract_start, Opportunity.close_date)
    base = (
        select(Opportunity)
        .where(
            Opportunity.status == "won",
            Opportunity.deleted_at.is_(None),
            Opportunity.contract_months.is_not(None),
            Opportunity.business_line_id.in_(business_line_ids),
            ~exists().where(
                DealLink.renewal_of_id == Opportunity.id,
                DealLink.opportunity_id.in_(
                    select(Opportunity.id).where(Opportunity.deleted_at.is_(None))
                ),
            ),
        )
        .options(
            selectinload(Opportunity.lines),
            selectinload(Opportunity.contact_links),
            selectinload(Opportunity.account_links),
            selectinload(Opportunity.tags),
        )
    )
    months = db.session.scalars(
        select(Opportunity.contract_months)
        .where(Opportunity.status == "won", Opportunity.contract_months.is_not(None))
        .distinct()
    ).all()
    if not months:
        return []
    # Per term length, the start dates whose end can fall in the period (a few days of slack
    # for month-end clamping; the exact end is checked below).
    slack = timedelta(days=3)
    windows = [
        (Opportunity.contract_months == m)
        & start.between(add_months(date_from, -m) - slack, add_months(date_to, -m) + slack)
        for m in months
    ]
    deals = db.session.scalars(base.where(or_(*windows))).all()
    found = [(d, term_end(d)) for d in deals if term_start(d)]
    return sorted(
        [(d, end) for d, end in found if date_from <= end <= date_to], key=lambda p: (p[1], p[0].id)
    )


def generate(
    user: User,
    date_from: date,
    date_to: date,
    *,
    uplift: Decimal | None = None,
    dry_run: bool = False,
    business_line_ids: list[int] | None = None,
) -> list[PlannedRenewal]:
    """Renew the won deals whose term ends in the period, in the lines ``user`` manages.

    ``uplift`` (percent) defaults to each business line's policy uplift. A row that fails
    (e.g. its owner left the sales team) is reported and the others still go ahead.
    """
    if date_to < date_from:
        raise ValidationError({"date_to": _("The period ends before it starts.")})
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise ValidationError({"date_to": _("Choose a period of at most ten years.")})
    lines = [line.id for line in enabled_business_lines(user)]
    if business_line_ids is not None:
        lines = [i for i in lines if i in business_line_ids]
    uplifts: dict[int, Decimal] = {}
    plans = []
    for deal, end in candidates(date_from, date_to, lines):
        if uplift is not None:
            pct = uplift
        else:
            pct = uplifts.setdefault(
                deal.business_line_id, policy_for(deal.business_line_id).uplift
            )
        factor = (Decimal(100) + pct) / Decimal(100)
        close = renewal_close_date(deal)
        base = deal.amount if deal.amount_manual else deal.lines_total
        plan = PlannedRenewal(
            source=deal,
            term_end=end,
            name=default_name(deal, "renewal", close),
            close_date=close,
            amount=(base * factor).quantize(Decimal("0.01")),
        )
        plans.append(plan)
        if dry_run:
            continue
        options = services.defaults(deal, "renewal", user)
        options["uplift"] = str(pct)
        try:
            plan.new = services.duplicate(user, deal, "renewal", options)
            plan.status = "created"
        except DomainError as exc:
            plan.status, plan.message = "failed", exc.message
    return plans


def auto_renew(user: User, today: date | None = None, *, dry_run: bool = False):
    """Run every enabled auto-renewal policy: deals whose term ends within its days."""
    today = today or date.today()
    plans = []
    for line in enabled_business_lines(user):
        policy = db.session.get(RenewalPolicy, line.id)
        if policy is None or not policy.auto_renew:
            continue
        plans += generate(
            user,
            today,
            today + timedelta(days=policy.days_before),
            uplift=policy.uplift,
            dry_run=dry_run,
            business_line_ids=[line.id],
        )
    return plans
