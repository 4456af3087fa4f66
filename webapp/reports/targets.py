"""Sales targets: the amount each seller of a business line is expected to win per month.
Managers of the line (and admins) set them; the line's sellers read them."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import permissions
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import SALES_GROUP, BusinessLine, Group, User
from ..models.forecast import SalesTarget
from ..models.user import user_business_lines, user_groups
from ..opportunities.fields import money
from ..parsing import editable
from ..transactions import transactional

MAX_TYPED = 40  # longer than any amount a person types
NOT_AN_AMOUNT = _l("Enter an amount, e.g. 12000.")


@dataclass
class Grid:
    """One business line's targets of one year: a row per seller, a column per month."""

    line: BusinessLine
    year: int
    owners: list[User]
    months: list[date]
    can_edit: bool
    typed: dict[str, str] = field(default_factory=dict)  # input name -> text shown
    errors: dict[str, str] = field(default_factory=dict)  # input name -> message
    totals: dict[int, Decimal] = field(default_factory=dict)  # owner id -> stored year total

    @staticmethod
    def name(owner_id: int, month: date) -> str:
        return f"target-{owner_id}-{month.month}"


def lines_for(user: User) -> list[BusinessLine]:
    """The business lines whose targets ``user`` may read."""
    query = select(BusinessLine).order_by(BusinessLine.name)
    if not permissions.is_admin(user):
        query = query.where(BusinessLine.id.in_(user.business_line_ids or [0]))
    return list(db.session.scalars(query))


def choose_line(user: User, line_id: int | None) -> BusinessLine:
    """The line asked for if the user may read it (else NotFound); without one, the first
    line the user manages, else the first they read."""
    lines = lines_for(user)
    if line_id is not None:
        chosen = next((line for line in lines if line.id == line_id), None)
        if chosen is None:
            raise NotFound(_("No such business line."))
        return chosen
    managed = [line for line in lines if permissions.manages(user, line.id)]
    if not (managed or lines):
        raise NotFound(_("You are in no business line."))
    return (managed or lines)[0]


def sellers(line_id: int) -> list[User]:
    """The active users of the sales group in the line (those who own deals there)."""
    return list(
        db.session.scalars(
            select(User)
            .join(user_groups, user_groups.c.user_id == User.id)
            .join(Group, Group.id == user_groups.c.group_id)
            .join(user_business_lines, user_business_lines.c.user_id == User.id)
            .where(
                Group.name == SALES_GROUP,
                User.active,
                user_business_lines.c.business_line_id == line_id,
            )
            .order_by(User.name)
        )
    )


def _stored(line_id: int, year: int, owner_ids: list[int]) -> dict:
    rows = db.session.scalars(
        select(SalesTarget).where(
            SalesTarget.business_line_id == line_id,
            SalesTarget.month >= date(year, 1, 1),
            SalesTarget.month <= date(year, 12, 1),
            SalesTarget.owner_id.in_(owner_ids or [0]),
        )
    )
    return {(t.owner_id, t.month): t for t in rows}


def grid(user: User, line: BusinessLine, year: int, locale: str) -> Grid:
    """The stored targets as the inputs show them (in the user's locale)."""
    owners = sellers(line.id)
    result = Grid(
        line,
        year,
        owners,
        [date(year, month, 1) for month in range(1, 13)],
        permissions.manages(user, line.id),
    )
    for (owner_id, month), target in _stored(line.id, year, [o.id for o in owners]).items():
        amount = target.amount
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal(1))  # 12000, not 12000.00
        result.typed[Grid.name(owner_id, month)] = editable(amount, locale)
        result.totals[owner_id] = result.totals.get(owner_id, Decimal(0)) + target.amount
    return result


@transactional
def save_targets(user: User, line: BusinessLine, year: int, form, locale: str) -> int:
    """Apply the grid's cells present in ``form`` (blank removes the month's target), all or
    nothing: any unreadable cell raises ValidationError keyed by input name, nothing
    written. Returns how many targets changed."""
    permissions.require(
        permissions.manages(user, line.id),
        _("Only the managers of this business line may set its targets."),
    )
    owners = sellers(line.id)
    months = [date(year, month, 1) for month in range(1, 13)]
    wanted, errors = {}, {}
    for owner in owners:
        for month in months:
            name = Grid.name(owner.id, month)
            typed = form.get(name)
            if typed is None:
                continue  # not sent: left as it is
            if len(typed) > MAX_TYPED:
                errors[name] = str(NOT_AN_AMOUNT)
                continue
            try:
                wanted[(owner.id, month)] = money(name, typed, locale=locale)
            except ValidationError as exc:
                errors[name] = exc.errors.get(name) or str(NOT_AN_AMOUNT)
    if errors:
        raise ValidationError(errors)
    stored = _stored(line.id, year, [o.id for o in owners])
    changed = 0
    for (owner_id, month), amount in wanted.items():
        target = stored.get((owner_id, month))
        if amount is None:
            if target is not None:
                db.session.delete(target)
                changed += 1
        elif target is None:
            db.session.add(
                SalesTarget(
                    owner_id=owner_id,
                    business_line_id=line.id,
                    month=month,
                    amount=amount,
                    set_by_id=user.id,
                )
            )
            changed += 1
        elif target.amount != amount:
            target.amount, target.set_by_id = amount, user.id
            changed += 1
    return changed
