"""One user intent, one transaction.

A service that carries out what a user asked for runs inside ``intent()`` (or is decorated
with ``@transactional``). The outermost intent owns the transaction: it flushes and commits
once at the end; on any error it rolls back, so nothing is written. Intents nested inside it
(a service calling another service) join it and neither commit nor roll back.

A stale version (SQLAlchemy's ``StaleDataError``) becomes ``ConflictError`` wherever it
surfaces: at an autoflush before a query, at the explicit flush, or at the commit.

Versioned rows (``Opportunity.version``) take one version step per transaction, however many
flushes the intent needs (see ``_one_version_step``).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .errors import ConflictError
from .extensions import db

_DEPTH = "intent_depth"
_BUMPED = "versions_bumped"


@contextmanager
def intent(conflict_with=None) -> Iterator[None]:
    """Run the block as (part of) one transaction; ``conflict_with`` is the versioned row a
    ConflictError reports as current (re-read after the rollback)."""
    session = db.session
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield
        if depth == 0:
            session.flush()
            session.commit()
    except StaleDataError:
        if depth:
            raise
        session.rollback()
        raise ConflictError(_current(conflict_with)) from None
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def transactional(service: Callable) -> Callable:
    """Decorator: the service is one intent; the first versioned row among its arguments is
    what a conflict reports."""

    @wraps(service)
    def run(*args, **kwargs):
        versioned = next((a for a in (*args, *kwargs.values()) if _is_versioned(a)), None)
        with intent(versioned):
            return service(*args, **kwargs)

    return run


def _is_versioned(value) -> bool:
    mapper = getattr(type(value), "__mapper__", None)
    return mapper is not None and mapper.version_id_col is not None


def _current(row):
    """``row`` as stored now (after a rollback), or None."""
    if row is None:
        return None
    return db.session.get(type(row), row.id, populate_existing=True)


def init_transactions(session) -> None:
    """Wire the one-version-step rule on the (scoped) session; idempotent."""
    if not event.contains(session, "before_flush", _one_version_step):
        event.listen(session, "before_flush", _one_version_step)
        event.listen(session, "after_transaction_end", _forget_bumps)


def _one_version_step(session: Session, flush_context, instances) -> None:
    """Give each modified versioned row one new version per transaction.

    The mappers use ``version_id_generator=False``: every UPDATE still checks the version the
    row was read at (a concurrent change makes it match nothing: StaleDataError), but the
    number moves once per transaction, not once per flush, so readers see no gaps."""
    bumped = session.info.setdefault(_BUMPED, set())
    for row in session.dirty:
        if not _is_versioned(row) or not session.is_modified(row):
            continue
        key = (type(row), row.id)
        if key not in bumped:
            bumped.add(key)
            row.version = (row.version or 0) + 1


def _forget_bumps(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_BUMPED, None)
