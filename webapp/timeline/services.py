"""Write timeline entries; every service that changes a deal calls ``record``."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert

from ..extensions import db
from ..locale import N_
from ..locale import translate as gettext
from ..models import Opportunity, TimelineEntry, User
from ..models._base import utcnow
from ..models.forecast import FORECAST_CATEGORY_LABELS

_BATCH = "timeline_batch"
# Fields stored as a code whose entries show the code's label (old entries too).
LABELS = {"forecast_category": FORECAST_CATEGORY_LABELS}
WORDS = {"yes": N_("yes"), "no": N_("no")}  # how ``display`` writes a boolean


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


def shown_value(value: str | None, field: str | None) -> str | None:
    """An entry's stored old or new value as a person reads it: the label of a coded
    value (``best_case`` -> "Best case"), translated, else the value as stored."""
    label = LABELS.get(field or "", {}).get(value) or WORDS.get(value)
    return gettext(label) if label else value


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
) -> TimelineEntry | None:
    """Add one entry to the deal's timeline (flushed with the caller's transaction; inside
    ``batch()``, written with the others at the end of the block)."""
    values = {
        "opportunity_id": opp.id,
        "user_id": user.id if user else None,
        "action": action,
        "field": field,
        "old_value": display(old),
        "new_value": display(new),
        "message": message,
        "data": data,
    }
    batched = db.session.info.get(_BATCH)
    if batched is not None:
        batched.append({**values, "created_at": utcnow()})
        return None
    entry = TimelineEntry(**values)
    db.session.add(entry)
    return entry


@contextmanager
def batch() -> Iterator[None]:
    """Entries recorded within the block are inserted together at its end, as one
    executemany (mass actions on thousands of deals); nothing is written if it fails."""
    session = db.session
    if _BATCH in session.info:  # already batching: the outer block writes
        yield
        return
    rows = session.info[_BATCH] = []
    try:
        yield
    finally:
        session.info.pop(_BATCH, None)
    if rows:
        keys = [key for key in rows[0] if any(row[key] is not None for row in rows)]
        rows = [{key: row[key] for key in keys} for row in rows]
        session.execute(insert(TimelineEntry.__table__), rows)  # Core: one executemany
