"""Activities of a deal (calls, meetings, tasks): create, complete, reschedule."""

from datetime import datetime

from .. import permissions
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import ACTIVITY_KINDS, Activity, Contact, Opportunity, User
from ..models._base import utcnow
from ..timeline.services import record
from ..transactions import transactional
from . import fields


def parse_due(value) -> datetime | None:
    """A due date-time from a form (``YYYY-MM-DDTHH:MM``, the locale's date and a time, or a
    date alone: 09:00)."""
    return fields.moment("due_at", value)


def _collect(errors: dict, parse):
    """The parsed value, or None with its error added to ``errors``."""
    try:
        return parse()
    except ValidationError as exc:
        errors.update(exc.errors)
        return None


def _get(opp: Opportunity, activity_id) -> Activity:
    activity = db.session.get(Activity, int(activity_id))
    if activity is None or activity.opportunity_id != opp.id:
        raise NotFound("This activity does not exist.")
    return activity


@transactional
def create_activity(user: User, opp: Opportunity, data: dict) -> Activity:
    """Plan a call, meeting or task on the deal (anyone who may edit the deal)."""
    permissions.require_edit(user, opp)
    errors = {}
    kind = data.get("kind") or "task"
    if kind not in ACTIVITY_KINDS:
        errors["kind"] = "Choose a call, meeting, task or email."
    subject = _collect(errors, lambda: fields.text("subject", data.get("subject"), required=True))
    due = _collect(errors, lambda: parse_due(data.get("due_at")))
    contact = _collect(
        errors, lambda: fields.row("contact_id", Contact, data.get("contact_id"), "contact")
    )
    if errors:
        raise ValidationError(errors)
    activity = Activity(
        opportunity_id=opp.id,
        kind=kind,
        subject=subject,
        due_at=due,
        contact=contact,
        note=fields.text("note", data.get("note"), max_len=5000, multiline=True),
        owner_id=user.id,
    )
    db.session.add(activity)
    record(opp, user, "activity", message=f"Planned {kind}: {subject}", new=due)
    return activity


@transactional
def complete_activity(user: User, opp: Opportunity, activity_id) -> Activity:
    """Mark an activity done (again: nothing happens)."""
    permissions.require_edit(user, opp)
    activity = _get(opp, activity_id)
    if not activity.done:
        activity.done, activity.done_at = True, utcnow()
        record(opp, user, "activity", message=f"Completed {activity.kind}: {activity.subject}")
    return activity


@transactional
def reschedule_activity(user: User, opp: Opportunity, activity_id, due_at) -> Activity:
    """Move an open activity to another due date-time."""
    permissions.require_edit(user, opp)
    activity = _get(opp, activity_id)
    due = parse_due(due_at)
    if due is None:
        raise ValidationError({"due_at": "Choose the new date."})
    if activity.done:
        raise ValidationError({"due_at": "This activity is already done."})
    old, activity.due_at = activity.due_at, due
    record(
        opp,
        user,
        "activity",
        field="due_at",
        old=old,
        new=due,
        message=f"Rescheduled {activity.kind}: {activity.subject}",
    )
    return activity
