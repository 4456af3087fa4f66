"""Write timeline entries; every service that changes a deal calls ``record``."""

from datetime import date, datetime
from decimal import Decimal

from ..extensions import db
from ..models import Opportunity, TimelineEntry, User


def display(value) -> str | None:
    """A value as the timeline shows it (names for related rows, ISO dates, plain numbers)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "name"):
        return str(value.name)
    if hasattr(value, "full_name"):
        return value.full_name
    return str(value)


def record(
    opp: Opportunity,
    user: User | None,
    action: str,
    *,
    field: str | None = None,
    old=None,
    new=None,
    message: str | None = None,
    data: dict | None = None,
) -> TimelineEntry:
    """Add one entry to the deal's timeline (flushed with the caller's transaction)."""
    entry = TimelineEntry(
        opportunity_id=opp.id,
        user_id=user.id if user else None,
        action=action,
        field=field,
        old_value=display(old),
        new_value=display(new),
        message=message,
        data=data,
    )
    db.session.add(entry)
    return entry
