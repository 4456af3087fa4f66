"""One-time access links: an invitation to join or an admin-issued password reset.

The link's secret is random (256 bits) and only its SHA-256 is stored. A link works once,
within ``ACCESS_LINK_HOURS`` (72 by default); issuing a new one for the same user and purpose
withdraws the older ones. Following it, the person chooses their password (and, invited,
their name) under the password policy and is signed in.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from ..audit import services as audit
from ..auth import passwords, sessions
from ..auth.services import Client
from ..errors import DomainError, ValidationError
from ..extensions import db
from ..inputs import text
from ..models import AccessLink, User
from ..models._base import utcnow
from ..transactions import transactional


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Issued:
    """A link just made: the secret for its URL exists only here, never in the database."""

    user: User
    link: AccessLink
    token: str


class LinkRefused(DomainError):
    """The link is unknown, used, withdrawn or expired; ``message`` says which."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def issue(user: User, purpose: str, *, by: User) -> Issued:
    """A new link for ``user`` (joins the caller's transaction); older live links of the same
    purpose are withdrawn."""
    withdraw(user, purpose)
    token = secrets.token_urlsafe(32)
    link = AccessLink(
        user_id=user.id,
        purpose=purpose,
        token_hash=_digest(token),
        created_by_id=by.id,
        expires_at=utcnow() + timedelta(hours=current_app.config["ACCESS_LINK_HOURS"]),
    )
    db.session.add(link)
    return Issued(user, link, token)


def withdraw(user: User, purpose: str | None = None) -> int:
    """Withdraw ``user``'s live links (of one purpose, or all); how many were live."""
    query = update(AccessLink).where(
        AccessLink.user_id == user.id,
        AccessLink.used_at.is_(None),
        AccessLink.revoked_at.is_(None),
        AccessLink.expires_at > utcnow(),
    )
    if purpose is not None:
        query = query.where(AccessLink.purpose == purpose)
    result = db.session.execute(
        query.values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount


def find(token: str, *, lock: bool = False) -> AccessLink:
    """The live link this secret opens, with its user; LinkRefused says why not."""
    query = (
        select(AccessLink)
        .where(AccessLink.token_hash == _digest(token or ""))
        .options(joinedload(AccessLink.user, innerjoin=True))
    )
    if lock:
        query = query.with_for_update()
    link = db.session.scalar(query.execution_options(populate_existing=True))
    if link is None:
        raise LinkRefused(
            _(
                "This link is not valid. Check that you copied all of it, or ask your "
                "administrator for a new one."
            ),
            404,
        )
    if link.used_at is not None:
        raise LinkRefused(
            _(
                "This link has already been used. Sign in, or ask your administrator "
                "for a new link."
            ),
            410,
        )
    if link.revoked_at is not None:
        raise LinkRefused(
            _("This link was withdrawn by an administrator. Ask them for a new one."), 410
        )
    if link.expires_at <= utcnow():
        raise LinkRefused(_("This link has expired. Ask your administrator for a new one."), 410)
    return link


@transactional
def accept(
    token: str, *, name: str | None, password: str, confirm: str, client: Client
) -> sessions.Started:
    """Use a link: the invited person's name and password (the account becomes active), or
    the new password after a reset; every other session ends and a new one starts."""
    link = find(token, lock=True)
    user = link.user
    errors = {}
    if link.purpose == "invite":
        try:
            name = text("name", name, max_len=120, required=True)
        except ValidationError as exc:
            errors.update(exc.errors)
    if problem := passwords.password_problem(password, email=user.email):
        errors["password"] = problem
    elif password != confirm:
        errors["confirm_password"] = _("The two passwords differ.")
    if errors:
        raise ValidationError(errors)
    link.used_at = utcnow()
    user.set_password(password)
    if link.purpose == "invite":
        user.name, user.active = name, True
        audit.record("invitation_accepted", user=user, address=client.address)
    else:
        audit.record("password_reset_used", user=user, address=client.address)
    withdraw(user)
    sessions.end_all(user)
    return sessions.start(
        user, remember=False, address=client.address, user_agent=client.user_agent
    )
