"""Import pages up to the preview: the upload form, then the mapping page (what was
detected, one field per column, the first rows as they will be saved, the run form)."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .. import permissions
from ..errors import ValidationError
from ..extensions import htmx
from ..inputs import FORM_OVERHEAD
from ..locale import current_locale
from . import files, runs, services
from .reading import DELIMITERS, ENCODINGS
from .values import DATE_ORDERS, DECIMALS

bp = Blueprint("imports", __name__, url_prefix="/imports")


@bp.get("")
def index():
    """The user's imports (everyone's for an admin), newest first."""
    return render_template(
        "imports/index.html",
        runs=runs.history(current_user),
        import_buttons=services.IMPORT_BUTTONS,
        entity_headings=services.ENTITY_HEADINGS,
        status_names=runs.STATUS_NAMES,
        status_badges=runs.STATUS_BADGES,
        run_state=runs.state,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Upload a CSV, XLSX or vCard file to import into the list ``entity``."""
    permissions.require_write(current_user)
    entity = services.check_entity(request.args.get("entity"))
    limit = current_app.config["MAX_IMPORT_BYTES"]
    errors, status = {}, 200
    if request.method == "POST":
        request.max_content_length = limit + FORM_OVERHEAD
        files.purge()  # uploads never run, past their keeping time
        try:
            upload = request.files.get("file")
            run = services.upload(
                current_user,
                entity,
                upload.stream if upload else None,
                upload.filename if upload else None,
                folder=current_app.config["UPLOAD_FOLDER"],
                limit=limit,
                locale=current_locale(),
            )
        except RequestEntityTooLarge:
            errors, status = {"file": services.TOO_LARGE % {"mb": limit >> 20}}, 413
        except ValidationError as exc:
            errors, status = exc.errors, 422
        else:
            return redirect(url_for("imports.mapping", run_id=run.id))
    return render_template(
        "imports/new.html",
        entity=entity,
        import_buttons=services.IMPORT_BUTTONS,
        errors=errors,
        limit_mb=limit >> 20,
    ), status


@bp.route("/<int:run_id>/mapping", methods=["GET", "POST"])
def mapping(run_id: int):
    """GET: the file read with the run's options. POST (each change, through htmx): the
    choices read back, the preview redone, and the choices kept when nothing stops them."""
    run = services.get_run(current_user, run_id)
    status, choices, saved = 200, None, False
    if request.method == "POST":
        permissions.require_write(current_user)
        current = (run.options or {}).get("encoding")
        try:
            choices = services.read_choices(request.form, run.entity, current)
        except ValidationError as exc:
            result = services.preview(current_user, run, locale=current_locale())
            result.problems.update(exc.errors)
            return _mapping_page(result, saved=False), 422
    result = services.preview(current_user, run, choices, locale=current_locale())
    if request.method == "POST":
        try:
            saved = services.save_choices(current_user, run, result, _sent(request.form))
        except ValidationError as exc:
            result.problems.update(exc.errors)
            status = 422
        if not saved and status == 200:  # newer choices are kept (run.options): show those
            result = services.preview(current_user, run, locale=current_locale())
    return _mapping_page(result, saved=saved), status


def _sent(form) -> int | None:
    """When the browser sent the form (``sent``, set by app.js), None when absent or not a
    plain number (a form posted without JavaScript has none: nothing to order it by)."""
    value = form.get("sent", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _mapping_page(result, *, saved: bool):
    context = {
        "result": result,
        "run": result.run,
        "saved": saved,
        "encodings": ENCODINGS,
        "delimiters": DELIMITERS,
        "delimiter_names": {v: k for k, v in services.DELIMITER_NAMES.items()},
        "date_orders": DATE_ORDERS,
        "decimals": DECIMALS,
        "decimal_names": {v: k for k, v in services.DECIMAL_NAMES.items()},
        "entity_name": services.ENTITY_NAMES[result.run.entity],
        "status_names": runs.STATUS_NAMES,
    }
    if htmx and htmx.target == "mapping":
        return render_template("imports/_mapping.html", **context)
    return render_template("imports/mapping.html", **context)
