"""Conflict detection for rows without a version column: ``updated_at`` is the token.

An edit form carries the ``updated_at`` it was loaded with; the save claims the row with
``UPDATE ... WHERE id = :id AND updated_at = :token`` before writing, so of two concurrent
saves from the same token only the first wins and the second gets ConflictError.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update

from ..errors import ConflictError, ValidationError
from ..extensions import db
from ..models._base import utcnow


def token(row) -> str:
    """The concurrency token an edit form carries (hidden field ``updated_at``)."""
    return row.updated_at.isoformat(timespec="microseconds")


def _parse(value) -> datetime:
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            {"updated_at": _("The form is out of date; reload the page.")}
        ) from None


def claim(row, submitted, message: str) -> None:
    """Raise ConflictError(row) unless ``row`` still has the ``submitted`` token; else bump it.

    Call inside the service's intent, after validating the input and before changing ``row``;
    nothing is written on error.
    """
    if submitted in (None, ""):
        raise ValidationError({"updated_at": _("The form is out of date; reload the page.")})
    model = type(row)
    result = db.session.execute(
        update(model)
        .where(model.id == row.id, model.updated_at == _parse(submitted))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ConflictError(row, message)  # the intent rolls back; ``row`` reloads as stored
