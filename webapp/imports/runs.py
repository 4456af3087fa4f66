"""Import runs as the pages and the CLI see them: who may see one, starting it, its history,
its undo, and its rejected rows as a CSV to fix and import again."""

import csv
import io
import time
from collections.abc import Iterator
from datetime import UTC

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from .. import jobs, permissions
from ..errors import NotFound, ValidationError
from ..exports.cells import neutralised
from ..extensions import db
from ..models import Account, Contact, ImportReject, ImportRun, Lead, Opportunity, User
from ..models._base import utcnow
from ..models.imports import IMPORT_MODES
from ..transactions import transactional
from . import files
from .engine import beat_key, resumes
from .mapping import missing_required
from .reading import UnreadableFile
from .services import run_table

UNDO_MODELS = (Opportunity, Contact, Account, Lead)
HISTORY = 50


def get_run(user: User, run_id: int) -> ImportRun:
    """The run, when ``user`` started it or is an admin; NotFound otherwise (no hint)."""
    run = db.session.get(ImportRun, run_id, populate_existing=True)  # a worker changes it
    if run is None or not (run.user_id == user.id or permissions.is_admin(user)):
        raise NotFound(_("This import does not exist."))
    return run


STATUS_NAMES = {
    "uploaded": _l("Waiting for its mapping"),
    "queued": _l("Queued"),
    "waiting": _l("Waiting for a worker"),
    "running": _l("Running"),
    "interrupted": _l("Interrupted"),
    "done": _l("Done"),
    "failed": _l("Failed"),
    "undone": _l("Undone"),
    "discarded": _l("Discarded"),
}
STATUS_BADGES = {
    "queued": "info",
    "waiting": "warning",
    "running": "primary",
    "interrupted": "warning",
    "done": "success",
    "failed": "danger",
}
NOT_QUEUED = _l(
    "The import could not be handed to the background worker (%(error)s). Nothing was "
    "imported: run it again, or ask an administrator to check the worker."
)


def state(run: ImportRun) -> str:
    """The run's status as shown: ``interrupted`` for a run ``running`` whose worker has given
    no sign of life (a beat after each batch) for ``IMPORT_STALE_AFTER`` seconds; ``waiting``
    for a run ``queued`` that long ago and not taken by a worker (none is running)."""
    stale = current_app.config["IMPORT_STALE_AFTER"]
    if run.status == "queued":
        return "waiting" if _seconds_since(run.queued_at or run.created_at) > stale else "queued"
    if run.status != "running":
        return run.status
    began = _seconds_since(run.started_at or run.created_at)
    silent = min(time.time() - (jobs.peek(beat_key(run.id)) or 0), began)
    return "interrupted" if silent > stale else "running"


def _seconds_since(moment) -> float:
    """Seconds from ``moment`` (naive UTC, as stored; None: the epoch) to now."""
    return time.time() - (moment.replace(tzinfo=UTC).timestamp() if moment else 0)


def history(user: User, limit: int = HISTORY) -> list[ImportRun]:
    """The latest runs: the user's own, every run for admins."""
    query = (
        select(ImportRun)
        .options(selectinload(ImportRun.user))
        .order_by(ImportRun.id.desc())
        .limit(limit)
    )
    if not permissions.is_admin(user):
        query = query.where(ImportRun.user_id == user.id)
    return list(db.session.scalars(query))


def can_start(run: ImportRun) -> bool:
    """A run starts once; after a dry run it may run for real."""
    return run.status == "uploaded" or (run.status == "done" and run.dry_run)


@transactional
def queue_run(user: User, run_id: int, mode: str, dry_run: bool) -> ImportRun:
    """Mark the run queued with its mode; the caller then hands it to the worker (after this
    transaction committed, so the worker reads it)."""
    permissions.require_write(user)
    run = get_run(user, run_id)
    if mode not in IMPORT_MODES:
        raise ValidationError({"mode": _("Choose all-or-nothing or import the good rows.")})
    if not can_start(run):
        raise ValidationError({"mode": _("This import has already run.")})
    mapping = {int(i): key for i, key in ((run.options or {}).get("mapping") or {}).items()}
    if not mapping:
        raise ValidationError({"mode": _("Map the columns of the file first.")})
    if missing := missing_required(run.entity, mapping):
        names = ", ".join(str(f.label) for f in missing)
        raise ValidationError({"mode": _("Choose the column that holds: %(names)s.", names=names)})
    run.mode, run.dry_run, run.status, run.queued_at = mode, dry_run, "queued", utcnow()
    run.total_rows = run.processed_rows = 0
    return run


@transactional
def not_queued(run_id: int, error: Exception) -> ImportRun:
    """The queue refused the run (its store unreachable): the run fails with why."""
    run = db.session.get(ImportRun, run_id)
    detail = type(error).__name__
    run.status, run.error, run.finished_at = "failed", NOT_QUEUED % {"error": detail}, utcnow()
    return run


def recoverable(run: ImportRun) -> bool:
    """An interrupted or failed run may run again or be discarded."""
    return state(run) in ("interrupted", "failed")


@transactional
def rerun(user: User, run_id: int) -> ImportRun:
    """Queue an interrupted or failed run again. A run importing the good rows resumes after
    the last batch it committed (its counts and rejects kept); any other run starts over,
    nothing of it having been committed. The worker's claim (``engine.execute``) fences off
    the older attempt, should it still be alive."""
    run = get_run(user, run_id)
    permissions.require(can_undo(user, run), _("Only who ran the import or an admin may run it."))
    if not recoverable(run):
        raise ValidationError({"run": _("This import is not interrupted: it cannot run again.")})
    if not run.stored_path:
        raise ValidationError({"run": _("The file of this import is gone: upload it again.")})
    if not resumes(run):
        run.processed_rows = run.created_count = run.updated_count = run.rejected_count = 0
    run.status, run.error, run.finished_at, run.queued_at = "queued", None, None, utcnow()
    return run


@transactional
def discard(user: User, run_id: int, confirmed: bool) -> dict[str, int]:
    """Give up an interrupted or failed run: what it committed (good rows) goes to the
    trash, its file is deleted. Returns how many records of each kind went to the trash."""
    run = get_run(user, run_id)
    permissions.require(
        can_undo(user, run), _("Only who ran the import or an admin may discard it.")
    )
    if not recoverable(run):
        raise ValidationError({"confirm": _("This import is not interrupted: nothing to discard.")})
    if not confirmed:
        raise ValidationError({"confirm": _("Tick the box to confirm.")})
    moved = _trash_created(user, run)
    run.status, run.undone_at, run.undone_by_id = "discarded", utcnow(), user.id
    run.finished_at = run.finished_at or run.undone_at
    files.release(run)
    return moved


def _trash_created(user: User, run: ImportRun) -> dict[str, int]:
    now, moved = utcnow(), {}
    for model in UNDO_MODELS:
        result = db.session.execute(
            update(model)
            .where(model.import_run_id == run.id, model.deleted_at.is_(None))
            .values(deleted_at=now, deleted_by_id=user.id),
            execution_options={"synchronize_session": False},
        )
        moved[model.__tablename__] = result.rowcount
    return moved


def undoable(run: ImportRun) -> bool:
    return run.status == "done" and not run.dry_run and run.created_count > 0


def can_undo(user: User, run: ImportRun) -> bool:
    return permissions.can_write(user) and (run.user_id == user.id or permissions.is_admin(user))


@transactional
def undo_run(user: User, run_id: int, confirmed: bool) -> dict[str, int]:
    """Move the records the run created to the trash (one transaction); records it updated
    stay as they are. Returns how many of each kind went to the trash."""
    run = get_run(user, run_id)
    permissions.require(can_undo(user, run), _("Only who ran the import or an admin may undo it."))
    if not undoable(run):
        raise ValidationError({"confirm": _("This import has nothing to undo.")})
    if not confirmed:
        raise ValidationError({"confirm": _("Tick the box to confirm the undo.")})
    moved = _trash_created(user, run)
    run.status, run.undone_at, run.undone_by_id = "undone", utcnow(), user.id
    return moved


def first_rejects(run: ImportRun, limit: int = 50) -> list[ImportReject]:
    return list(
        db.session.scalars(
            select(ImportReject)
            .where(ImportReject.run_id == run.id)
            .order_by(ImportReject.line, ImportReject.id)
            .limit(limit)
        )
    )


def reject_lines(run: ImportRun) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ImportReject).where(ImportReject.run_id == run.id)
    )


def neutral(cell) -> str:
    """A rejected cell for the report, never run as a formula by a spreadsheet."""
    return neutralised("" if cell is None else str(cell))


def _headers(run: ImportRun) -> list[str]:
    try:
        return _table_headers(run)
    except (OSError, UnreadableFile, UnicodeError, ValueError):
        return []


def _table_headers(run: ImportRun) -> list[str]:
    if not run.stored_path:
        return list((run.options or {}).get("headers") or [])  # the file deleted after the run
    with run_table(run) as table:
        return list(table.headers)


def rejects_csv(run: ImportRun) -> Iterator[str]:
    """The rejected rows as CSV (UTF-8 with BOM): line, column, reason, then the row's cells
    under the file's headers, every cell neutralised against formula injection."""
    headers = _headers(run)
    sample = db.session.scalars(
        select(ImportReject.values).where(ImportReject.run_id == run.id).limit(1000)
    )
    widest = max((len(values or []) for values in sample), default=0)
    headers += [_("Column %(num)s", num=i + 1) for i in range(len(headers), widest)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([_("Line"), _("Column"), _("Reason"), *(neutral(h) for h in headers)])
    yield "\ufeff" + flush()
    query = (
        select(ImportReject)
        .where(ImportReject.run_id == run.id)
        .order_by(ImportReject.line, ImportReject.id)
        .execution_options(yield_per=1000)
    )
    for reject in db.session.scalars(query):
        writer.writerow(
            [reject.line, neutral(reject.column), neutral(reject.reason),
             *(neutral(c) for c in reject.values or [])]
        )  # fmt: skip
        if buffer.tell() > 64 * 1024:
            yield flush()
    yield flush()
