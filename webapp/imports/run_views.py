"""The pages of import runs: the history, one run (progress, counts, rejects, undo), starting
a run from the mapping page, the undo and the rejected rows as CSV."""

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import ngettext
from flask_login import current_user

from .. import jobs
from ..errors import ValidationError
from ..extensions import htmx
from . import runs, services
from .engine import progress
from .jobs import run_import

bp = Blueprint("import_runs", __name__, url_prefix="/imports")


@bp.context_processor
def names() -> dict:
    return {
        "entity_headings": services.ENTITY_HEADINGS,
        "status_names": runs.STATUS_NAMES,
        "status_badges": runs.STATUS_BADGES,
        "run_state": runs.state,
    }


def _context(run, **extra) -> dict:
    return {
        "run": run,
        "processed": progress(run),
        "rejects": runs.first_rejects(run),
        "reject_count": runs.reject_lines(run),
        "undoable": runs.undoable(run) and runs.can_undo(current_user, run),
        "recoverable": runs.recoverable(run) and runs.can_undo(current_user, run),
        **extra,
    }


@bp.get("/<int:run_id>")
def show(run_id: int):
    """The run; htmx polls the status part while the run is queued or running."""
    run = runs.get_run(current_user, run_id)
    if htmx and htmx.target == "run-status":
        return render_template("imports/_run_status.html", **_context(run))
    return render_template("imports/run.html", **_context(run))


@bp.post("/<int:run_id>/run")
def start(run_id: int):
    """Start the run (the mapping page's form): mode and dry run; the worker does the rest."""
    mode = request.form.get("mode", "")
    dry_run = request.form.get("dry_run", "").strip().lower() in ("1", "on", "true", "yes")
    run = runs.queue_run(current_user, run_id, mode[:30], dry_run)
    return _hand_over(run)


def _hand_over(run):
    """Give the queued run to the worker, then show it; a queue that refuses fails the run
    with why (shown on its page) instead of leaving it queued forever."""
    try:
        jobs.enqueue(run_import, run.id)
    except Exception as error:
        current_app.logger.exception("Import run %s could not be queued", run.id)
        runs.not_queued(run.id, error)
    target = url_for("import_runs.show", run_id=run.id)
    if htmx:
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target)


@bp.post("/<int:run_id>/rerun")
def rerun(run_id: int):
    """Run an interrupted or failed import again (resuming a good-rows run)."""
    try:
        run = runs.rerun(current_user, run_id)
    except ValidationError as exc:
        run = runs.get_run(current_user, run_id)
        return render_template(
            "imports/run.html", **_context(run, error=" ".join(map(str, exc.errors.values())))
        ), 422
    return _hand_over(run)


@bp.post("/<int:run_id>/discard")
def discard(run_id: int):
    """Give up an interrupted or failed import: what it wrote goes to the trash."""
    confirmed = request.form.get("confirm", "").strip().lower() in ("1", "on", "true", "yes")
    try:
        moved = runs.discard(current_user, run_id, confirmed)
    except ValidationError as exc:
        run = runs.get_run(current_user, run_id)
        return render_template(
            "imports/run.html", **_context(run, error=" ".join(map(str, exc.errors.values())))
        ), 422
    count = sum(moved.values())
    flash(
        ngettext(
            "Discarded: %(num)s record it had written moved to the trash.",
            "Discarded: %(num)s records it had written moved to the trash.",
            count,
        ),
        "success",
    )
    return redirect(url_for("import_runs.show", run_id=run_id))


@bp.post("/<int:run_id>/undo")
def undo(run_id: int):
    confirmed = request.form.get("confirm", "").strip().lower() in ("1", "on", "true", "yes")
    try:
        moved = runs.undo_run(current_user, run_id, confirmed)
    except ValidationError as exc:
        run = runs.get_run(current_user, run_id)
        return render_template(
            "imports/run.html", **_context(run, error=" ".join(map(str, exc.errors.values())))
        ), 422
    count = sum(moved.values())
    flash(
        ngettext(
            "Undone: %(num)s record created by this import moved to the trash.",
            "Undone: %(num)s records created by this import moved to the trash.",
            count,
        ),
        "success",
    )
    return redirect(url_for("import_runs.show", run_id=run_id))


@bp.get("/<int:run_id>/rejects.csv")
def rejects_csv(run_id: int):
    run = runs.get_run(current_user, run_id)
    name = f"import-{run.id}-rejected-rows.csv"
    return Response(
        stream_with_context(runs.rejects_csv(run)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
