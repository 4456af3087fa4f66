"""Writing and reading the audit log. ``record`` joins the caller's transaction (the event is
written with the change it describes, or not at all). Events store their kind; its label is
translated when shown."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import permissions
from ..extensions import db
from ..models import AuditEvent, User

KINDS = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Sign-in failed"),
    "sign_in_throttled": _l("Sign-in refused (too many failures)"),
    "sign_out": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "name_changed": _l("Name changed"),
    "session_ended": _l("Session ended"),
    "sessions_ended": _l("Signed out everywhere"),
    "user_created": _l("User created"),
    "user_invited": _l("User invited"),
    "invitation_revoked": _l("Invitation withdrawn"),
    "invitation_accepted": _l("Invitation accepted"),
    "user_deactivated": _l("User deactivated"),
    "user_reactivated": _l("User reactivated"),
    "password_reset_issued": _l("Password reset link issued"),
    "password_reset_used": _l("Password reset by link"),
    "role_changed": _l("Role changed"),
    "business_lines_changed": _l("Business lines changed"),
    "plugin_enabled": _l("Plugin enabled"),
    "plugin_disabled": _l("Plugin disabled"),
    "settings_changed": _l("Settings changed"),
    "team_saved": _l("Team saved"),
    "team_deleted": _l("Team deleted"),
    "visibility_changed": _l("Deal visibility changed"),
}
PAGE_SIZE = 50


def record(
    kind: str,
    *,
    user: User | None = None,
    email: str | None = None,
    address: str | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Add one event to the session (the caller's transaction commits it)."""
    assert kind in KINDS, kind
    event = AuditEvent(
        kind=kind,
        user_id=user.id if user is not None else None,
        email=(email if email is not None else getattr(user, "email", None) or "")[:254] or None,
        address=(address or "")[:64] or None,
        detail=(detail or "")[:500] or None,
    )
    db.session.add(event)
    return event


@dataclass
class AuditPage:
    events: list[AuditEvent]
    users: dict[int, User]
    page: int
    has_next: bool
    total: int


def events(viewer: User, *, user_id: int | None, kind: str | None, page: int) -> AuditPage:
    """One page of events, newest first, for an admin; filtered by user and kind."""
    permissions.require_admin(viewer)
    query = select(AuditEvent)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if kind in KINDS:
        query = query.where(AuditEvent.kind == kind)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(
        db.session.scalars(
            query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    ids = {e.user_id for e in rows if e.user_id is not None}
    users = {}
    if ids:
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    return AuditPage(rows[:PAGE_SIZE], users, page, len(rows) > PAGE_SIZE, total)


def user_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(User.id, User.email).order_by(User.email))
    return [(user_id, email) for user_id, email in rows]
