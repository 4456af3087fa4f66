"""Files removed only once the transaction that deleted their rows has committed."""

import contextlib
import os

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db

_PENDING = "unlink_after_commit"


def unlink_after_commit(folder: str, names: list[str]) -> None:
    """Remove these stored files from ``folder`` when (and only if) the transaction commits."""
    db.session.info.setdefault(_PENDING, []).extend(os.path.join(folder, n) for n in names)


@event.listens_for(Session, "after_commit")
def _unlink(session: Session) -> None:
    for path in session.info.pop(_PENDING, []):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
