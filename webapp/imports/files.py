"""The uploaded files of imports: deleted once their run is over (done for real, undone,
discarded) and, for uploads never run, after ``IMPORT_KEEP_UPLOADS_HOURS``.

Only files the upload stored under ``UPLOAD_FOLDER/imports`` are ever deleted: a command line
import reads the person's own file in place, which stays. The header row is kept in
``run.options["headers"]`` so the rejected rows' CSV still names the columns.
"""

from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import ImportRun
from ..models._base import utcnow
from ..transactions import transactional
from .reading import UnreadableFile
from .services import file_path, import_folder, run_table

# A run in these states still needs its file: waiting for the worker, or being read.
IN_USE = ("queued", "running")


def ours(run: ImportRun) -> Path | None:
    """The run's stored file when the upload put it in the import folder, else None."""
    if not run.stored_path:
        return None
    path = file_path(run).resolve()
    return path if path.is_relative_to(import_folder().resolve()) else None


def release(run: ImportRun) -> None:
    """Forget ``run``'s file and delete it when it is an upload (the caller commits)."""
    path = ours(run)
    if path is None:
        return
    options = dict(run.options or {})
    if "headers" not in options:
        try:
            with run_table(run) as table:
                options["headers"] = list(table.headers)
        except (OSError, UnreadableFile, UnicodeError, ValueError):
            pass
    run.options, run.stored_path = options, None
    path.unlink(missing_ok=True)


@transactional
def purge(hours: float | None = None) -> int:
    """Delete the uploaded files of runs not run (or left failed) for ``hours`` (default
    ``IMPORT_KEEP_UPLOADS_HOURS``); returns how many runs lost their file."""
    if hours is None:
        hours = current_app.config["IMPORT_KEEP_UPLOADS_HOURS"]
    cutoff = utcnow() - timedelta(hours=hours)
    stale = db.session.scalars(
        select(ImportRun).where(
            ImportRun.stored_path.is_not(None),
            ImportRun.status.not_in(IN_USE),
            func.coalesce(ImportRun.finished_at, ImportRun.created_at) < cutoff,
        )
    ).all()
    released = 0
    for run in stale:
        if ours(run) is not None:
            release(run)
            released += 1
    return released
