"""Users: signing in and out, passwords, names, creation and deactivation."""

from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from ..audit import services as audit
from ..errors import ValidationError
from ..extensions import db
from ..inputs import text
from ..models import ROLES, SALES_GROUP, BusinessLine, Group, User
from ..setup.services import ensure_defaults
from ..transactions import intent, transactional
from . import sessions, throttle
from .passwords import hash_password, password_problem


@cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, checked when the email is unknown or inactive, so the
    answer takes as long as for a known user (no enumeration by timing)."""
    import secrets

    return hash_password(secrets.token_urlsafe(16))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (same answer, same work)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None


class Throttled(Exception):
    """Too many failed sign-ins: ``wait`` seconds before the next try."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


@dataclass
class Client:
    """Where a request comes from (views pass it; services never read the request)."""

    address: str | None = None
    user_agent: str | None = None


def sign_in(
    email: str, password: str, *, remember: bool, client: Client
) -> sessions.Started | None:
    """Check the throttles, then the password; a new session on success, else None (the
    failure counted and logged). Raises Throttled while the account or address waits."""
    email = (email or "").strip()
    wait = throttle.blocked_for(email, client.address)
    if wait:
        with intent():
            audit.record("sign_in_throttled", email=email[:254], address=client.address)
        raise Throttled(wait)
    user = authenticate(email, password)
    if user is None:
        throttle.record_failure(email, client.address)
        with intent():
            audit.record("sign_in_failed", email=email[:254], address=client.address)
        return None
    with intent():
        throttle.clear_account(email)
        started = sessions.start(
            user, remember=remember, address=client.address, user_agent=client.user_agent
        )
        audit.record("sign_in", user=user, address=client.address)
    return started


@transactional
def sign_out(user: User, *, address: str | None = None) -> None:
    if user.session_record_id is not None:
        sessions.end(user, user.session_record_id)
    audit.record("sign_out", user=user, address=address)


@transactional
def change_password(
    user: User, current: str, new: str, confirm: str, *, client: Client
) -> sessions.Started:
    """Check the current password and the new one; every session of the user ends and a new
    one starts for the browser that asked (returned)."""
    errors = {}
    if not user.check_password(current or ""):
        errors["current_password"] = _("The current password is wrong.")
    if problem := password_problem(new, email=user.email):
        errors["new_password"] = problem
    elif new != confirm:
        errors["confirm_password"] = _("The two new passwords differ.")
    if errors:
        raise ValidationError(errors)
    user.set_password(new)
    sessions.end_all(user)
    audit.record("password_changed", user=user, address=client.address)
    return sessions.start(
        user, remember=False, address=client.address, user_agent=client.user_agent
    )


@transactional
def change_name(user: User, name: str, *, address: str | None = None) -> None:
    name = text("name", name, max_len=120, required=True)
    if name != user.name:
        audit.record("name_changed", user=user, address=address, detail=f"{user.name} -> {name}")
        user.name = name


@transactional
def end_session(user: User, record_id: int, *, address: str | None = None) -> bool:
    """End one of the user's own sessions (False when it is not theirs or already ended)."""
    ended = sessions.end(user, record_id)
    if ended:
        audit.record("session_ended", user=user, address=address, detail=f"session {record_id}")
    return ended


@transactional
def end_all_sessions(user: User, *, address: str | None = None) -> int:
    """Sign out everywhere: every session and remember-me token of the user ends."""
    count = sessions.end_all(user)
    audit.record("sessions_ended", user=user, address=address, detail=f"{count} sessions")
    return count


@transactional
def deactivate_user(user: User, *, by: User | None = None) -> None:
    """The user can no longer sign in; their sessions end at once."""
    user.active = False
    sessions.end_all(user)
    audit.record("user_deactivated", user=by, email=user.email)


def sales_group() -> Group:
    group = db.session.scalar(select(Group).where(Group.name == SALES_GROUP))
    if group is None:
        group = Group(name=SALES_GROUP)
        db.session.add(group)
    return group


@transactional
def create_user(
    email: str,
    password: str,
    *,
    name: str | None = None,
    role: str = "sales",
    business_lines: list[BusinessLine] | None = None,
    sales: bool = True,
) -> User:
    """Create a user; by default in the sales group and every business line. The first
    user of a fresh install also brings the default business line and pipeline."""
    email = (email or "").strip().lower()
    if "@" not in email:
        raise ValidationError({"email": _("Enter a valid email address.")})
    if role not in ROLES:
        raise ValidationError({"role": _("Role must be one of %(roles)s.", roles=", ".join(ROLES))})
    if problem := password_problem(password, email=email):
        raise ValidationError({"password": problem})
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise ValidationError({"email": _("A user with this email already exists.")})
    ensure_defaults()
    user = User(email=email, name=name or email.split("@")[0].title(), role=role, active=True)
    user.set_password(password)
    if business_lines is None:
        business_lines = list(db.session.scalars(select(BusinessLine)))
    user.business_lines = business_lines
    if sales:
        user.groups = [sales_group()]
    db.session.add(user)
    audit.record("user_created", email=email, detail=f"role {role}")
    return user
