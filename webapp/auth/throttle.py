"""Login throttling per account and per client address, kept in the database (or in Redis
when ``LOGIN_THROTTLE_URL`` names one) so it holds across workers and restarts.

After ``LOGIN_FREE_FAILURES`` failures within ``LOGIN_FAILURE_WINDOW`` seconds (per address:
``LOGIN_ADDRESS_FREE_FAILURES``, an office may share one address), each further failure blocks
that account or address for a growing delay: 1 s, 2 s, 4 s ... up to ``LOGIN_MAX_DELAY``.
A success clears the account's count (not the address's). Keys are SHA-256 digests of the
lower-cased email or of the address.
"""

import hashlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle
from ..models._base import utcnow

EXTENSION_KEY = "opportuno.login_throttle"


def _keys(email: str, address: str | None) -> list[tuple[str, str, int]]:
    """(scope, hashed key, free failures) for the account and the address."""
    config = current_app.config
    keys = [("account", _digest(email.strip().casefold()), config["LOGIN_FREE_FAILURES"])]
    if address:
        keys.append(("address", _digest(address), config["LOGIN_ADDRESS_FREE_FAILURES"]))
    return keys


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _delay(failures: int, free: int) -> int:
    """Seconds blocked after the ``failures``-th failure (0 while within the free ones)."""
    if failures <= free:
        return 0
    config = current_app.config
    first = config["LOGIN_FIRST_DELAY"]
    return min(first * 2 ** min(failures - free - 1, 30), config["LOGIN_MAX_DELAY"])


def _store():
    url = current_app.config.get("LOGIN_THROTTLE_URL")
    if not url:
        return _DATABASE
    store = current_app.extensions.get(EXTENSION_KEY)
    if store is None:
        store = current_app.extensions[EXTENSION_KEY] = _RedisStore(url)
    return store


def blocked_for(email: str, address: str | None) -> int:
    """Seconds until this account and address may try again (0: now)."""
    store = _store()
    return max(store.wait(scope, key) for scope, key, _ in _keys(email, address))


def record_failure(email: str, address: str | None) -> None:
    """Count a failed sign-in for the account and the address (committed at once)."""
    store = _store()
    for scope, key, free in _keys(email, address):
        store.fail(scope, key, free)


def clear_account(email: str) -> None:
    """A successful sign-in: the account starts afresh (in the database: within the
    caller's transaction)."""
    _store().clear("account", _digest(email.strip().casefold()))


class _DatabaseStore:
    def wait(self, scope: str, key: str) -> int:
        row = db.session.get(LoginThrottle, (scope, key))
        if row is None or row.blocked_until is None:
            return 0
        return max(0, int((row.blocked_until - utcnow()).total_seconds() + 0.999))

    def fail(self, scope: str, key: str, free: int) -> None:
        for _attempt in range(2):  # a concurrent first failure may insert the row first
            try:
                self._count(scope, key, free)
                db.session.commit()
                return
            except IntegrityError:
                db.session.rollback()

    def _count(self, scope: str, key: str, free: int) -> None:
        now = utcnow()
        row = db.session.scalar(
            select(LoginThrottle)
            .where(LoginThrottle.scope == scope, LoginThrottle.key == key)
            .with_for_update()
        )
        if row is None:
            row = LoginThrottle(scope=scope, key=key, failures=0, last_failure_at=now)
            db.session.add(row)
        elif now - row.last_failure_at > timedelta(
            seconds=current_app.config["LOGIN_FAILURE_WINDOW"]
        ):
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if delay := _delay(row.failures, free):
            row.blocked_until = now + timedelta(seconds=delay)
        db.session.flush()

    def clear(self, scope: str, key: str) -> None:
        row = db.session.get(LoginThrottle, (scope, key))
        if row is not None:
            db.session.delete(row)


class _RedisStore:
    """Counts expire with the window; a block is a key that expires with its delay."""

    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.prefix = current_app.config.get("LOGIN_THROTTLE_PREFIX", "opportuno:login")

    def _names(self, scope: str, key: str) -> tuple[str, str]:
        base = f"{self.prefix}:{scope}:{key}"
        return f"{base}:failures", f"{base}:blocked"

    def wait(self, scope: str, key: str) -> int:
        return max(0, self.redis.ttl(self._names(scope, key)[1]))

    def fail(self, scope: str, key: str, free: int) -> None:
        failures_key, blocked_key = self._names(scope, key)
        with self.redis.pipeline() as pipe:
            pipe.incr(failures_key)
            pipe.expire(failures_key, current_app.config["LOGIN_FAILURE_WINDOW"])
            failures = pipe.execute()[0]
        if delay := _delay(failures, free):
            self.redis.set(blocked_key, 1, ex=delay)

    def clear(self, scope: str, key: str) -> None:
        self.redis.delete(*self._names(scope, key))


_DATABASE = _DatabaseStore()
