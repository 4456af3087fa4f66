"""Server-side sign-in sessions that can be ended.

Flask's session cookie holds ``<user id>:<key>`` (``User.get_id``); the ``user_sessions`` row
keeps the key's SHA-256, and every request loads the user through that row, so ending the row
(sign-out, password change, deactivation, "sign out everywhere") ends the session at once.

"Keep me signed in" sets a second cookie, ``<row id>:<secret>``: random, stored as SHA-256,
valid until ``remember_until`` and replaced by a new secret (and a new session key) each time
it signs the browser in again. Ending the row ends it too.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload, lazyload

from ..extensions import db
from ..models import User, UserSession
from ..models._base import utcnow

REMEMBER_COOKIE = "opportuno_remember"
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Started:
    """A new session: what goes into the cookies."""

    user: User
    record: UserSession
    session_id: str  # for Flask-Login's session (User.get_id)
    remember: str | None  # the remember-me cookie's value


def start(user: User, *, remember: bool, address: str | None, user_agent: str | None) -> Started:
    """A new session row for ``user`` (joins the caller's transaction)."""
    key = secrets.token_urlsafe(32)
    record = UserSession(
        user_id=user.id,
        key_hash=_digest(key),
        address=(address or "")[:64] or None,
        user_agent=(user_agent or "")[:255] or None,
    )
    remember_value = None
    db.session.add(record)
    db.session.flush()
    if remember:
        remember_value = _new_remember(record)
    return Started(user, record, f"{user.id}:{key}", remember_value)


def _new_remember(record: UserSession) -> str:
    secret = secrets.token_urlsafe(32)
    record.remember_hash = _digest(secret)
    record.remember_until = utcnow() + current_app.config["REMEMBER_COOKIE_DURATION"]
    return f"{record.id}:{secret}"


@cache
def _load_statement():
    """The sign-in check's one query, built once (its values bound per request): the user
    with their business lines, and the session row's id and last use (no row object)."""
    return (
        select(User, UserSession.id, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            User.id == bindparam("user_id"),
            User.active.is_(True),
            UserSession.key_hash == bindparam("key_hash"),
            UserSession.ended_at.is_(None),
        )
        .options(lazyload(User.groups), joinedload(User.business_lines))
        .execution_options(populate_existing=True)
    )


def load(session_id: str) -> User | None:
    """The active user whose live session this cookie value names, else None."""
    user_id, _, key = (session_id or "").partition(":")
    if not user_id.isdigit() or not key:
        return None
    row = (
        db.session.execute(_load_statement(), {"user_id": int(user_id), "key_hash": _digest(key)})
        .unique()
        .first()
    )
    if row is None:
        return None
    user, record_id, last_seen_at = row
    _touch(record_id, last_seen_at)
    user.session_id, user.session_record_id = session_id, record_id
    return user


def load_remembered(cookie: str) -> tuple[User, str, str] | None:
    """Sign in again from a remember-me cookie: (user, new session id, new cookie value), the
    secret and the session key replaced (committed), or None when it is unknown, expired or
    ended."""
    record_id, _, secret = (cookie or "").partition(":")
    if not record_id.isdigit() or not secret:
        return None
    row = db.session.execute(
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.id == int(record_id),
            User.active.is_(True),
            UserSession.ended_at.is_(None),
            UserSession.remember_until > utcnow(),
        )
        .options(lazyload(User.groups))
    ).first()
    if row is None or not hmac.compare_digest(row[1].remember_hash or "", _digest(secret)):
        return None
    user, record = row
    key = secrets.token_urlsafe(32)
    record.key_hash = _digest(key)
    record.last_seen_at = utcnow()
    cookie = _new_remember(record)
    db.session.commit()
    user.session_id, user.session_record_id = f"{user.id}:{key}", record.id
    return user, user.session_id, cookie


def _touch(record_id: int, last_seen_at) -> None:
    """Note the session's last use, at most every few minutes (outside the request's
    transaction: a page view commits nothing of its own)."""
    now = utcnow()
    if now - last_seen_at < TOUCH_EVERY:
        return
    with db.engine.begin() as connection:
        connection.execute(
            update(UserSession).where(UserSession.id == record_id).values(last_seen_at=now)
        )


def end(user: User, record_id: int) -> bool:
    """End one of ``user``'s sessions (joins the caller's transaction); False if none."""
    record = db.session.scalar(
        select(UserSession).where(
            UserSession.id == record_id,
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
        )
    )
    if record is None:
        return False
    record.ended_at = utcnow()
    record.remember_hash = None
    return True


def end_all(user: User) -> int:
    """End every session of ``user`` (joins the caller's transaction); how many were live."""
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), remember_hash=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def live(user: User) -> list[UserSession]:
    """``user``'s live sessions, most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )
