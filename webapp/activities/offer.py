"""What the schedule dialog suggests: after a stage move or a won/lost, the next activity
prefilled (Pipedrive's "schedule the next activity" prompt)."""

from datetime import datetime, time, timedelta

from flask import url_for
from flask_babel import gettext as _

from ..models import Opportunity
from ..models._base import utcnow

AFTER = ("moved", "won", "lost")


def next_working_day(now: datetime, days: int = 1) -> datetime:
    """``days`` days on, moved off the weekend, at 09:00."""
    day = now.date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 0))


def prefill(opp: Opportunity, after: str | None) -> dict:
    """The dialog's first values: a call tomorrow by default; after a win a kick-off
    meeting; after a loss a call in three months to check back."""
    now = utcnow()
    account = opp.account.name if opp.account else opp.name
    kind, due, duration = "call", next_working_day(now), 30
    subject = _("Follow up: %(deal)s", deal=opp.name)
    if after == "won":
        kind, subject, due, duration = (
            "meeting",
            _("Kick-off with %(account)s", account=account),
            next_working_day(now, 3),
            60,
        )
    elif after == "lost":
        kind, due = "call", next_working_day(now, 90)
        subject = _("Check back with %(account)s", account=account)
    return {
        "kind": kind,
        "subject": subject,
        "due_date": due.date().isoformat(),
        "due_time": due.strftime("%H:%M"),
        "duration_minutes": str(duration),
    }


def offer_url(opp: Opportunity, from_stage_id: int, **extra) -> str | None:
    """The dialog's URL when a move changed the deal's stage (a reorder in a column did
    not), else None."""
    if opp.stage_id == from_stage_id:
        return None
    after = "moved" if opp.is_open else opp.status
    return url_for("activities.new", deal=opp.id, after=after, **extra)
