"""The activity types picklist: activities store a type's ``key``; people read its name.
Admins rename, reorder, add and deactivate types; a deactivated type is no longer offered
but the activities of that type keep it. A default type keeps its English name in the
database and reads in the user's language until an admin renames it."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import permissions
from ..errors import ValidationError
from ..extensions import db
from ..inputs import integer
from ..models import ActivityType, User
from ..opportunities import fields
from ..transactions import transactional

DEFAULT_TYPES = (
    ("call", "Call"),
    ("meeting", "Meeting"),
    ("visit", "Visit"),
    ("task", "Task"),
    ("email", "Email"),
    ("deadline", "Deadline"),
)
# The default types' names as people read them (while not renamed).
SHOWN_DEFAULTS = {
    "call": _l("Call"),
    "meeting": _l("Meeting"),
    "visit": _l("Visit"),
    "task": _l("Task"),
    "email": _l("Email"),
    "deadline": _l("Deadline"),
}
_KEY = re.compile(r"[^a-z0-9]+")


def all_types() -> list[ActivityType]:
    return list(
        db.session.scalars(select(ActivityType).order_by(ActivityType.position, ActivityType.id))
    )


def active_types() -> list[ActivityType]:
    return [t for t in all_types() if t.active]


def shown_name(activity_type: ActivityType) -> str:
    """The type's name in the user's language: a default type not renamed is translated."""
    if activity_type.name == dict(DEFAULT_TYPES).get(activity_type.key):
        return str(SHOWN_DEFAULTS[activity_type.key])
    return activity_type.name


def type_names() -> dict[str, str]:
    """Every type's name by key as people read it, deactivated ones included (old activities
    show them)."""
    return {t.key: shown_name(t) for t in all_types()}


def chosen(value) -> str:
    """The key of an active type, or a ValidationError on ``kind``."""
    keys = [t.key for t in active_types()]
    if value in keys:
        return value
    raise ValidationError({"kind": _("Choose one of the activity types.")})


def add_defaults() -> None:
    """The six default types, while the picklist is empty (part of the caller's intent)."""
    if db.session.scalar(select(ActivityType.id).limit(1)) is None:
        db.session.add_all(
            ActivityType(key=k, name=n, position=i, active=True)
            for i, (k, n) in enumerate(DEFAULT_TYPES)
        )


@transactional
def save_types(user: User, form) -> None:
    """The admin's picklist form: ``name-<id>``, ``position-<id>``, ``active-<id>`` for each
    type, and ``new_name`` for a new one. Everything is checked before anything is saved."""
    permissions.require_admin(user)
    errors = {}
    types = all_types()
    for activity_type in types:
        try:
            name = fields.text(
                f"name-{activity_type.id}",
                form.get(f"name-{activity_type.id}"),
                required=True,
                max_len=60,
            )
        except ValidationError as exc:
            errors.update(exc.errors)
            continue
        position = integer(form.get(f"position-{activity_type.id}"), minimum=0, maximum=999)
        if position is None:
            errors[f"position-{activity_type.id}"] = _("Enter a position between 0 and 999.")
            continue
        activity_type.name, activity_type.position = name, position
        activity_type.active = form.get(f"active-{activity_type.id}") == "1"
    try:
        new_name = fields.text("new_name", form.get("new_name"), max_len=60)
    except ValidationError as exc:
        errors.update(exc.errors)
        new_name = None
    if new_name:
        key = _KEY.sub("-", new_name.lower()).strip("-")[:20] or "type"
        if any(t.key == key for t in types):
            errors["new_name"] = _("A type with this name exists already.")
        else:
            top = db.session.scalar(select(func.max(ActivityType.position))) or 0
            db.session.add(ActivityType(key=key, name=new_name, position=top + 1, active=True))
    if not any(t.active for t in types) and not new_name:
        errors["__all__"] = _("Keep at least one type active.")
    if errors:
        raise ValidationError(errors)
