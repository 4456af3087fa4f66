"""The stage history's visits: a deal leaving its stage closes its open visit with the time
it left and the visit's length in days, which the time-in-stage report reads from an index
(ix_stage_history_left, ix_stage_history_days) instead of computing it for every visit."""

from sqlalchemy import literal

from ..models import StageHistory
from ..models._base import UTCDateTime
from ..reports.sql import days_between


def visit_days(left):
    """The length in days of a visit left at ``left`` (a datetime expression)."""
    return days_between(left, StageHistory.entered_at)


def leaving(now) -> dict:
    """The values that close a visit at ``now``: every writer of ``left_at`` uses them."""
    return {"left_at": now, "days": visit_days(literal(now, UTCDateTime()))}
