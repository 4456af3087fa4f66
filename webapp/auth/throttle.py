"""Login throttling per account and per client address, kept in the database so it holds
across workers and restarts.

After ``LOGIN_FREE_FAILURES`` failures within ``LOGIN_FAILURE_WINDOW`` seconds (per address:
``LOGIN_ADDRESS_FREE_FAILURES``, an office may share one address), each further failure blocks
that account or address for a growing delay: 1 s, 2 s, 4 s ... up to ``LOGIN_MAX_DELAY``.
A success clears the account's count (not the address's)."""

import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle
from ..models._base import utcnow


def _keys(email: str, address: str | None) -> list[tuple[str, str, int]]:
    """(scope, hashed key, free failures) for the account and the address."""
    config = current_app.config
    keys = [("account", _digest(email.strip().casefold()), config["LOGIN_FREE_FAILURES"])]
    if address:
        keys.append(("address", _digest(address), config["LOGIN_ADDRESS_FREE_FAILURES"]))
    return keys


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def blocked_for(email: str, address: str | None) -> int:
    """Seconds until this account and address may try again (0: now)."""
    now = utcnow()
    wait = 0.0
    for scope, key, _ in _keys(email, address):
        row = db.session.get(LoginThrottle, (scope, key))
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            wait = max(wait, (row.blocked_until - now).total_seconds())
    return int(wait + 0.999)


def record_failure(email: str, address: str | None) -> None:
    """Count a failed sign-in for the account and the address (commits)."""
    for scope, key, free in _keys(email, address):
        for _attempt in range(2):  # a concurrent first failure may insert the row first
            try:
                _count(scope, key, free)
                db.session.commit()
                break
            except IntegrityError:
                db.session.rollback()


def _count(scope: str, key: str, free: int) -> None:
    config = current_app.config
    now = utcnow()
    row = db.session.scalar(
        select(LoginThrottle)
        .where(LoginThrottle.scope == scope, LoginThrottle.key == key)
        .with_for_update()
    )
    if row is None:
        row = LoginThrottle(scope=scope, key=key, failures=0, last_failure_at=now)
        db.session.add(row)
    elif now - row.last_failure_at > timedelta(seconds=config["LOGIN_FAILURE_WINDOW"]):
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    if row.failures > free:
        delay = min(2 ** min(row.failures - free - 1, 30), config["LOGIN_MAX_DELAY"])
        row.blocked_until = now + timedelta(seconds=delay)
    db.session.flush()


def clear_account(email: str) -> None:
    """A successful sign-in: the account starts afresh (joins the caller's transaction)."""
    row = db.session.get(LoginThrottle, ("account", _digest(email.strip().casefold())))
    if row is not None:
        db.session.delete(row)
