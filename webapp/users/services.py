"""Users administered by admins: the list, invitations, deactivation, password resets, roles
and business lines. Every action checks the actor is an admin and is written to the audit log;
none may leave the install without an active admin."""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import permissions
from ..audit import services as audit
from ..auth import sessions
from ..auth.passwords import hash_password
from ..auth.services import sales_group
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..inputs import integers, text
from ..models import ROLES, AccessLink, BusinessLine, User, UserSession
from ..models._base import utcnow
from ..transactions import transactional
from . import links

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class UserRow:
    """A user as the admin's list shows them."""

    user: User
    last_sign_in: datetime | None
    status: str  # active, invited, invitation_lapsed, inactive
    link: AccessLink | None  # the live invitation or reset link, if any


def _unusable_password() -> str:
    """A hash of a secret nobody is told: the account has no password anyone knows."""
    return hash_password(secrets.token_urlsafe(32))


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("This user does not exist."))
    return user


def _never_joined() -> set[int]:
    """Users invited whose every invitation went unused."""
    rows = db.session.execute(
        select(AccessLink.user_id)
        .where(AccessLink.purpose == "invite")
        .group_by(AccessLink.user_id)
        .having(func.count(AccessLink.used_at) == 0)
    )
    return set(rows.scalars())


def _status(user: User, never_joined: set[int], link: AccessLink | None) -> str:
    if user.active:
        return "active"
    if user.id in never_joined:
        return "invited" if link is not None and link.purpose == "invite" else "invitation_lapsed"
    return "inactive"


def rows(actor: User, *, user_id: int | None = None) -> list[UserRow]:
    """Every user (or one) with their last sign-in, status and live link, by name."""
    permissions.require_admin(actor)
    query = select(User).order_by(func.lower(User.name), User.id)
    if user_id is not None:
        query = query.where(User.id == user_id)
    users = list(db.session.scalars(query))
    last = dict(
        db.session.execute(
            select(UserSession.user_id, func.max(UserSession.created_at)).group_by(
                UserSession.user_id
            )
        ).all()
    )
    now = utcnow()
    live = {
        link.user_id: link
        for link in db.session.scalars(
            select(AccessLink)
            .where(
                AccessLink.used_at.is_(None),
                AccessLink.revoked_at.is_(None),
                AccessLink.expires_at > now,
            )
            .order_by(AccessLink.id)
        )
    }
    never_joined = _never_joined()
    return [
        UserRow(u, last.get(u.id), _status(u, never_joined, live.get(u.id)), live.get(u.id))
        for u in users
    ]


def row(actor: User, user_id: int) -> UserRow:
    found = rows(actor, user_id=user_id)
    if not found:
        raise NotFound(_("This user does not exist."))
    return found[0]


def business_lines() -> list[BusinessLine]:
    return list(db.session.scalars(select(BusinessLine).order_by(BusinessLine.name)))


def _role(value) -> str:
    if value not in ROLES:
        raise ValidationError({"role": _("Choose one of the roles in the list.")})
    return value


def _lines(values) -> list[BusinessLine]:
    """The business lines named by these ids (form values); every one must exist."""
    ids = integers(values)
    if len(ids) != len(values or []):
        raise ValidationError({"business_lines": _("Choose business lines from the list.")})
    found = list(db.session.scalars(select(BusinessLine).where(BusinessLine.id.in_(ids))))
    if len(found) != len(set(ids)):
        raise ValidationError({"business_lines": _("Choose business lines from the list.")})
    return sorted(found, key=lambda line: line.name)


def _email(value) -> str:
    email = (text("email", value, max_len=254, required=True) or "").lower()
    if not EMAIL.fullmatch(email):
        raise ValidationError(
            {"email": _("Enter a valid email address, such as name@example.com.")}
        )
    return email


def _checked(errors: dict[str, str], check, *args):
    """``check(*args)``, its ValidationError's messages added to ``errors`` (None then)."""
    try:
        return check(*args)
    except ValidationError as exc:
        errors.update(exc.errors)
        return None


def _keep_an_admin(user: User, *, role: str, active: bool) -> None:
    """Refuse a change that would leave no active admin (admins' rows locked meanwhile, so
    two admins demoting each other at once cannot both succeed)."""
    if not (user.role == "admin" and user.active) or (role == "admin" and active):
        return
    admins = set(
        db.session.scalars(
            select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()
        )
    )
    if not admins - {user.id}:
        raise ValidationError(
            _(
                "There must be at least one active administrator: make someone else an "
                "administrator first."
            )
        )


@transactional
def invite(
    actor: User, *, email: str, name: str | None, role: str, business_line_ids: list[str]
) -> links.Issued:
    """Invite a person: an inactive account with the role and business lines, and a one-time
    link to join. Inviting again someone who never joined gives them a new link."""
    permissions.require_admin(actor)
    errors: dict[str, str] = {}
    email = _checked(errors, _email, email)
    name = _checked(errors, lambda: text("name", name, max_len=120))
    role = _checked(errors, _role, role)
    lines = _checked(errors, _lines, business_line_ids)
    if errors:
        raise ValidationError(errors)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is not None and (user.active or user.id not in _never_joined()):
        raise ValidationError({"email": _("A user with this email already exists.")})
    if user is None:
        user = User(email=email, active=False, password_hash=_unusable_password())
        user.groups = [sales_group()]
        db.session.add(user)
    user.name = name or user.name or email.split("@")[0].title()
    user.role, user.business_lines = role, lines
    db.session.flush()
    issued = links.issue(user, "invite", by=actor)
    audit.record("user_invited", user=actor, detail=f"{email} as {role}; {_slugs(lines)}")
    return issued


@transactional
def new_invitation(actor: User, user_id: int) -> links.Issued:
    """A new link for someone invited who has not joined (the older link stops working)."""
    permissions.require_admin(actor)
    user = _user(user_id)
    if user.active or user.id not in _never_joined():
        raise ValidationError(_("%(email)s has already joined.", email=user.email))
    issued = links.issue(user, "invite", by=actor)
    audit.record("user_invited", user=actor, detail=f"{user.email}: new link")
    return issued


@transactional
def revoke_invitation(actor: User, user_id: int) -> None:
    permissions.require_admin(actor)
    user = _user(user_id)
    if user.active or not links.withdraw(user, "invite"):
        raise ValidationError(_("There is no pending invitation to withdraw."))
    audit.record("invitation_revoked", user=actor, detail=user.email)


@transactional
def deactivate(actor: User, user_id: int) -> None:
    """The user can no longer sign in: every session, remember-me token and link ends now."""
    permissions.require_admin(actor)
    user = _user(user_id)
    if not user.active:
        raise ValidationError(_("%(email)s is already deactivated.", email=user.email))
    _keep_an_admin(user, role=user.role, active=False)
    user.active = False
    sessions.end_all(user)
    links.withdraw(user)
    audit.record("user_deactivated", user=actor, detail=user.email)


@transactional
def reactivate(actor: User, user_id: int) -> None:
    permissions.require_admin(actor)
    user = _user(user_id)
    if user.active:
        raise ValidationError(_("%(email)s is already active.", email=user.email))
    if user.id in _never_joined():
        raise ValidationError(
            _("%(email)s has not joined yet: send them a new invitation link.", email=user.email)
        )
    user.active = True
    audit.record("user_reactivated", user=actor, detail=user.email)


@transactional
def reset_password(actor: User, user_id: int) -> links.Issued:
    """The user's password stops working and every session of theirs ends; the returned link
    lets them choose a new one."""
    permissions.require_admin(actor)
    user = _user(user_id)
    if user.id == actor.id:
        raise ValidationError(_("Change your own password on your security page."))
    if not user.active:
        raise ValidationError(
            _("%(email)s is not active: reactivate or invite them first.", email=user.email)
        )
    user.password_hash = _unusable_password()
    sessions.end_all(user)
    issued = links.issue(user, "reset", by=actor)
    audit.record("password_reset_issued", user=actor, detail=user.email)
    return issued


@transactional
def change_role(actor: User, user_id: int, role: str) -> User:
    permissions.require_admin(actor)
    user = _user(user_id)
    role = _role(role)
    if role != user.role:
        _keep_an_admin(user, role=role, active=user.active)
        audit.record("role_changed", user=actor, detail=f"{user.email}: {user.role} -> {role}")
        user.role = role
    return user


@transactional
def set_business_lines(actor: User, user_id: int, business_line_ids: list[str]) -> User:
    permissions.require_admin(actor)
    user = _user(user_id)
    lines = _lines(business_line_ids)
    if {line.id for line in lines} != user.business_line_ids:
        audit.record(
            "business_lines_changed",
            user=actor,
            detail=f"{user.email}: {_slugs(user.business_lines)} -> {_slugs(lines)}",
        )
        user.business_lines = lines
    return user


def _slugs(lines: list[BusinessLine]) -> str:
    return ", ".join(sorted(line.slug for line in lines)) or "-"
