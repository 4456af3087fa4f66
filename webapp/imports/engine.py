"""Running an import: the file's rows streamed in batches through the converter and the
record kind's writer (``writers``), with the run's counts, rejects and progress.

Modes:
- ``good_rows``: each batch is its own transaction (its good rows, its rejects, the progress);
- ``all_or_nothing``: the domain rows of the whole file are written in ONE transaction,
  committed at the end with the run's counts. At the first rejected row that transaction is
  rolled back and the run goes on checking only, so the report lists every rejected row and
  nothing is written;
- ``dry_run`` (either mode): every row checked, nothing written but the report.

Progress: while the all-or-nothing transaction is open (SQLite has one writer; PostgreSQL
would lock the run's row), the count of rows done is published through the job store
(``jobs.publish``), which another process reads (``progress``); in every other case it is
also written to ``import_runs.processed_rows`` with each batch.

Recovery: the worker beats (``beat_key``) after each batch, so a run whose worker died shows
as interrupted (``runs.state``). Running it again claims it anew (a new ``started_at``);
every later write of an older attempt is fenced by that ``started_at`` (and by the status, for
a run discarded meanwhile) and rolled back. A good-rows run claimed again goes on after its
last committed batch (``resumes``).
"""

import csv
import gc
import time
from itertools import islice

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, update

from .. import jobs
from ..datafields import fields_for
from ..extensions import db
from ..locale import DEFAULT
from ..models import ImportReject, ImportRun
from ..models._base import utcnow
from . import files
from .deals import DealWriter
from .mapping import guess_mapping
from .people import AccountWriter, ContactWriter, LeadWriter
from .reading import UnreadableFile
from .references import References, Rejected
from .services import run_table
from .values import RowConverter

BATCH = 2000
WRITERS = {
    "opportunity": DealWriter,
    "account": AccountWriter,
    "contact": ContactWriter,
    "lead": LeadWriter,
}


def progress_key(run_id: int) -> str:
    return f"import-progress:{run_id}"


def beat_key(run_id: int) -> str:
    return f"import-beat:{run_id}"


def resumes(run: ImportRun) -> bool:
    """Whether running ``run`` again goes on after the rows it committed (good rows only)."""
    return run.mode == "good_rows" and not run.dry_run


class Superseded(Exception):
    """The run was claimed again by a newer attempt: this one writes nothing more."""


def progress(run: ImportRun) -> int:
    """Rows processed so far, as another process sees it."""
    if run.status != "running":
        return run.processed_rows
    return max(run.processed_rows or 0, jobs.peek(progress_key(run.id), 0))


def execute(run_id: int, on_progress=None) -> ImportRun | None:
    """Run the import ``run_id`` (status queued or uploaded); returns the finished run.
    ``on_progress(processed, total)`` is called after each batch (the CLI's bar)."""
    run = db.session.get(ImportRun, run_id)
    if run is None or run.status not in ("uploaded", "queued"):
        return run  # already run (a job delivered twice) or gone
    claimed = db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id, ImportRun.status.in_(("uploaded", "queued")))
        .values(status="running", started_at=utcnow(), error=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return db.session.get(ImportRun, run_id)  # another worker took it meanwhile
    db.session.refresh(run)
    if not (resumes(run) and run.processed_rows):
        run.processed_rows = run.created_count = run.updated_count = run.rejected_count = 0
        db.session.execute(delete(ImportReject).where(ImportReject.run_id == run_id))
    db.session.commit()
    jobs.publish(beat_key(run_id), time.time())
    collecting = gc.isenabled()
    gc.disable()  # the batches make many short-lived dicts and no cycles: no GC pauses
    try:
        with force_locale(_language(run)):
            _run(run, on_progress)
    except Superseded:
        db.session.rollback()
    except UnreadableFile as error:
        _failed(run_id, str(error))
    except UnicodeError:
        _failed(run_id, _l("The file is not in the chosen encoding: choose another one."))
    except csv.Error as error:
        _failed(run_id, _l("The file cannot be read as CSV (%(error)s)."), error=str(error))
    except OSError:
        _failed(run_id, _l("The uploaded file is no longer there: upload it again."))
    except Exception:
        current_app.logger.exception("Import run %s failed", run_id)
        _failed(run_id, _l("The import stopped on an unexpected error; nothing more was written."))
    finally:
        if collecting:
            gc.enable()
    return db.session.get(ImportRun, run_id)


def _language(run: ImportRun) -> str:
    """The language of who uploaded the file (as their browser or profile asked then): the
    rejects' reasons and the error are written in it."""
    return (run.options or {}).get("locale") or run.user.locale or DEFAULT


def _failed(run_id: int, message, **values) -> None:
    """Mark the run failed with ``message`` (a lazy string, with its ``values``) in the
    uploader's language."""
    db.session.rollback()
    run = db.session.get(ImportRun, run_id)
    with force_locale(_language(run)):
        message = str(message) % values if values else str(message)
    run.status, run.error, run.finished_at = "failed", message, utcnow()
    db.session.commit()


def _count_rows(run: ImportRun) -> int:
    with run_table(run) as table:
        return sum(1 for _ in table.rows)


def _run(run: ImportRun, on_progress) -> None:
    run_id, options = run.id, run.options or {}
    table = run_table(run)
    total = run.total_rows or _count_rows(run)
    mapping = {int(k): v for k, v in (options.get("mapping") or {}).items()}
    mapping = mapping or guess_mapping(run.entity, table.headers)
    converter = RowConverter.from_options(
        run.entity, {**options, "mapping": {str(i): k for i, k in mapping.items()}}
    )
    headers = table.headers
    labels = {f.key: str(f.label) for f in fields_for(run.entity)}
    labels.update({key: headers[i] for i, key in mapping.items() if i < len(headers)})
    by_label = {str(f.label): labels[f.key] for f in fields_for(run.entity)}
    refs = References(run.user)
    writer = WRITERS[run.entity](
        run, refs, labels, write=not run.dry_run, mapped=set(mapping.values())
    )
    atomic = run.mode == "all_or_nothing"
    # Resumed: the rows of the batches committed before are skipped, their counts kept.
    processed, rejected = run.processed_rows, run.rejected_count
    created0, updated0 = run.created_count, run.updated_count
    attempt = run.started_at
    run.total_rows = total
    db.session.commit()

    def checkpoint(rejects, **values):
        if rejects:
            db.session.execute(insert(ImportReject), rejects)
        fenced = db.session.execute(
            update(ImportRun)
            .where(
                ImportRun.id == run_id,
                ImportRun.status == "running",  # not discarded meanwhile
                ImportRun.started_at == attempt,  # nor claimed again
            )
            .values(**values)
        )
        if fenced.rowcount != 1:
            raise Superseded(run_id)
        db.session.commit()

    rows = islice(table.rows, processed, None)
    while batch := list(islice(rows, BATCH)):
        rejects, good = [], []
        for line, cells in batch:
            values, errors = converter.convert(cells)
            if errors:
                rejects += [
                    _reject(run_id, line, by_label.get(c, c), why, cells) for c, why in errors
                ]
            else:
                good.append((line, cells, values))
        writer.prepare([values for _line, _cells, values in good])
        for line, cells, values in good:
            try:
                writer.plan(line, values)
            except Rejected as refusal:
                rejects.append(_reject(run_id, line, refusal.column, refusal.reason, cells))
        processed += len(batch)
        rejected += len({r["line"] for r in rejects})
        if rejects and atomic and writer.write:
            db.session.rollback()  # one bad row: nothing of this file is written
            writer.write = False
        writer.flush()
        if not (atomic and writer.write):
            counts = (0, 0) if atomic and not run.dry_run else (writer.created, writer.updated)
            checkpoint(
                rejects,
                processed_rows=processed,
                rejected_count=rejected,
                created_count=created0 + counts[0],
                updated_count=updated0 + counts[1],
            )
        jobs.publish(progress_key(run_id), processed)
        jobs.publish(beat_key(run_id), time.time())
        if on_progress:
            on_progress(processed, total)

    nothing = atomic and rejected and not run.dry_run
    checkpoint(  # all-or-nothing: the domain rows with the counts, at once
        [],
        status="done",
        finished_at=utcnow(),
        total_rows=processed,
        processed_rows=processed,
        rejected_count=rejected,
        created_count=0 if nothing else created0 + writer.created,
        updated_count=0 if nothing else updated0 + writer.updated,
    )
    if not run.dry_run:  # a dry run's file waits for the real run
        table.close()
        files.release(db.session.get(ImportRun, run_id, populate_existing=True))
        db.session.commit()


def _reject(run_id: int, line: int, column: str | None, reason: str, cells: list[str]) -> dict:
    return {
        "run_id": run_id,
        "line": line,
        "column": column[:120] if column else None,
        "reason": reason[:500],
        "values": [cell[:1000] for cell in cells[:200]],
    }
