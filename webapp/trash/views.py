"""The trash page, and moving a record to the trash, restoring and purging it."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import NotFound
from ..extensions import htmx
from ..inputs import id_param
from . import rules, services

bp = Blueprint("trash", __name__, url_prefix="/trash")
LISTS = {
    "deals": "opportunities.index",
    "accounts": "accounts.index",
    "contacts": "contacts.index",
    "leads": "leads.index",
}


@bp.get("")
def index():
    """The trash of one kind (tabs), filtered by who and when, searched, paged."""
    filters = services.TrashFilters.from_args(request.args)
    context = {
        "filters": filters,
        "kinds": services.KINDS,
        "kind": services.KINDS[filters.kind],
        "rows": services.list_trash(current_user, filters, id_param(request.args, "page") or 1),
        "deleters": services.deleters(current_user, filters.kind),
        "periods": services.PERIODS,
        "can_purge": rules.can_purge(current_user),
        "label": services.label,
        "may_restore": lambda row: rules.can_trash(current_user, row),
    }
    template = "trash/_table.html" if htmx and htmx.target == "trash-table" else "trash/index.html"
    return render_template(template, **context)


def _record(kind_key: str, record_id: int, *, trashed: bool):
    kind = services.kind_of(kind_key)
    row = services.get(kind, record_id, trashed=trashed)
    return kind, row


@bp.get("/<kind_key>/<int:record_id>/confirm")
def confirm(kind_key: str, record_id: int):
    """The dialog asking to confirm a move to the trash."""
    kind, row = _record(kind_key, record_id, trashed=False)
    services.require_trash(current_user, kind, row)
    return render_template(
        "trash/_confirm_dialog.html", kind=kind, row=row, name=services.label(row)
    )


@bp.post("/<kind_key>/<int:record_id>")
def trash(kind_key: str, record_id: int):
    """Move the record to the trash; back to its list with a way to the trash."""
    row = services.trash(current_user, kind_key, record_id, request.form.get("version"))
    flash(
        _(
            "“%(name)s” was moved to the trash. You can restore it from the trash.",
            name=services.label(row),
        ),
        "success",
    )
    target = url_for(LISTS[kind_key])
    if htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


@bp.post("/<kind_key>/<int:record_id>/restore")
def restore(kind_key: str, record_id: int):
    row = services.restore(current_user, kind_key, record_id)
    kind = services.KINDS[kind_key]
    flash(_("“%(name)s” was restored.", name=services.label(row)), "success")
    return redirect(url_for(kind.endpoint, **{kind.id_arg: row.id}))


@bp.get("/<kind_key>/<int:record_id>/purge")
def purge_confirm(kind_key: str, record_id: int):
    """The purge confirmation: what goes with the record, or what still refers to it."""
    if not rules.can_purge(current_user):
        raise NotFound(_("This page does not exist."))
    kind, row = _record(kind_key, record_id, trashed=True)
    return render_template(
        "trash/_purge_dialog.html",
        kind=kind,
        row=row,
        name=services.label(row),
        blockers=services.blockers(kind, row),
        consequences=services.consequence_texts(services.consequences(kind, row)),
    )


@bp.post("/<kind_key>/<int:record_id>/purge")
def purge(kind_key: str, record_id: int):
    name = services.purge(
        current_user, kind_key, record_id, folder=current_app.config["UPLOAD_FOLDER"]
    )
    flash(_("“%(name)s” was deleted for good.", name=name), "success")
    target = url_for("trash.index", kind=kind_key)
    if htmx:
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


@bp.app_template_global("may_trash")
def may_trash(row) -> bool:
    """Whether the current user may move ``row`` to the trash (the pages' delete buttons)."""
    return rules.can_trash(current_user, row)
