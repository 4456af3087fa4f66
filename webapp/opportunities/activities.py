"""Activities of a deal (calls, meetings, visits, tasks...): schedule, complete, reschedule."""

from datetime import datetime

from flask_babel import gettext as _

from .. import permissions
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..inputs import integer
from ..models import MAX_DURATION_MINUTES, Activity, Contact, Opportunity, User
from ..models._base import utcnow
from ..timeline.services import record
from ..transactions import transactional
from . import fields


def parse_due(value) -> datetime | None:
    """A due date-time from a form (``YYYY-MM-DDTHH:MM``, the locale's date and a time, or a
    date alone: 09:00)."""
    return fields.moment("due_at", value)


def due_text(data) -> str | None:
    """The typed due moment: ``due_date`` plus ``due_time`` (the dialog), else ``due_at``."""
    if data.get("due_date") is None:
        return data.get("due_at")
    day, time = (data.get("due_date") or "").strip(), (data.get("due_time") or "").strip()
    if time and not day:
        raise ValidationError({"due_at": _("Choose the day too.")})
    return f"{day} {time}".strip()


def parse_duration(value) -> int | None:
    """Minutes, 0 to a week; blank is none."""
    if value is None or str(value).strip() == "":
        return None
    minutes = integer(value, minimum=0, maximum=MAX_DURATION_MINUTES)
    if minutes is None:
        raise ValidationError(
            {
                "duration_minutes": _(
                    "Enter a duration in minutes, 0 to %(most)s.", most=MAX_DURATION_MINUTES
                )
            }
        )
    return minutes


def _assignee(user: User, opp: Opportunity, value) -> User:
    """The chosen assignee (default: the user): an active user who may see the deal."""
    if value is None or str(value).strip() == "":
        return user
    found = db.session.get(User, integer(value, minimum=1) or 0)
    if found is None or not found.active or not permissions.can_view(found, opp):
        raise ValidationError(
            {"owner_id": _("Choose someone who works on this deal's business line.")}
        )
    return found


def _collect(errors: dict, parse):
    """The parsed value, or None with its error added to ``errors``."""
    try:
        return parse()
    except ValidationError as exc:
        errors.update(exc.errors)
        return None


def _get(user: User, opp: Opportunity, activity_id) -> Activity:
    activity = db.session.get(Activity, int(activity_id))
    if activity is None or activity.opportunity_id != opp.id:
        raise NotFound(_("This activity does not exist."))
    permissions.require(
        permissions.can_edit_activity(user, opp, activity),
        _("You may not change this activity: it belongs to someone else."),
    )
    return activity


@transactional
def create_activity(user: User, opp: Opportunity, data) -> Activity:
    """Schedule an activity on the deal (anyone who may edit the deal): type, subject, due
    date and time, duration, assignee, contact, note. Nothing is saved unless all is valid."""
    from ..activities.types import chosen

    permissions.require_edit(user, opp)
    errors = {}
    kind = _collect(errors, lambda: chosen(data.get("kind") or "task"))
    subject = _collect(errors, lambda: fields.text("subject", data.get("subject"), required=True))
    due = _collect(errors, lambda: parse_due(due_text(data)))
    duration = _collect(errors, lambda: parse_duration(data.get("duration_minutes")))
    owner = _collect(errors, lambda: _assignee(user, opp, data.get("owner_id")))
    contact = _collect(
        errors, lambda: fields.row("contact_id", Contact, data.get("contact_id"), "contact")
    )
    note = _collect(
        errors, lambda: fields.text("note", data.get("note"), max_len=5000, multiline=True)
    )
    if errors:
        raise ValidationError(errors)
    activity = Activity(
        opportunity_id=opp.id,
        kind=kind,
        subject=subject,
        due_at=due,
        duration_minutes=duration,
        contact=contact,
        note=note,
        owner_id=owner.id,
    )
    db.session.add(activity)
    record(opp, user, "activity", message=f"Planned {kind}: {subject}", new=due)
    return activity


@transactional
def complete_activity(user: User, opp: Opportunity, activity_id) -> Activity:
    """Mark an activity done (again: nothing happens)."""
    activity = _get(user, opp, activity_id)
    if not activity.done:
        activity.done, activity.done_at = True, utcnow()
        record(opp, user, "activity", message=f"Completed {activity.kind}: {activity.subject}")
    return activity


@transactional
def reschedule_activity(user: User, opp: Opportunity, activity_id, due_at) -> Activity:
    """Move an open activity to another due date-time."""
    activity = _get(user, opp, activity_id)
    due = parse_due(due_at)
    if due is None:
        raise ValidationError({"due_at": _("Choose the new date.")})
    if activity.done:
        raise ValidationError({"due_at": _("This activity is already done.")})
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
