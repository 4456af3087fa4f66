"""Saved views of the lists: save, update, rename, delete, make default (POST, CSRF)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..errors import ValidationError
from ..extensions import htmx
from ..inputs import id_param
from . import saved

bp = Blueprint("saved_views", __name__, url_prefix="/views")


def list_url(entity: str, args=()) -> str:
    return url_for(saved.LISTS[entity]) + ("?" + _encode(args) if args else "")


def _encode(args) -> str:
    from urllib.parse import urlencode

    return urlencode(list(args))


def opening(entity: str, args):
    """Where a list request should go instead, or None: ``?view=<id>`` alone opens that
    view (its full state in the URL); no parameters at all open the user's default view."""
    keys = [k for k in args if args.get(k)]
    if keys == ["view"]:
        view_id = id_param(args, "view")
        if view_id is None:  # view=0: the list without a view, no default
            return None
        view = saved.get_view(current_user, view_id, entity)
        return redirect(list_url(entity, saved.args_of(view)))
    if not keys and not args:
        view = saved.default_view(current_user, entity)
        if view is not None:
            return redirect(list_url(entity, saved.args_of(view)))
    return None


def record_list_page(records, page_context=lambda result: {}):
    """The page of an accounts, contacts or leads list (``records``, a ``RecordList``): its
    filters, columns, sort and cursor in the query string; htmx: the list only.
    ``page_context(result)`` adds what the whole page's filters need (their choices)."""
    entity = records.entity
    elsewhere = opening(entity, request.args)
    if elsewhere is not None:
        return elsewhere
    result = records.page(current_user, request.args)
    context = {
        "records": records,
        "result": result,
        "filters": result.filters,
        "query": result.filters["text"],
        "views": saved.views_for(current_user, entity),
        "current_view": id_param(request.args, "view"),
        "default_view_id": saved.default_view_id(current_user, entity),
        "partial": bool(htmx),
    }
    if htmx:
        return render_template("listing/_records.html", **context)
    return render_template(f"{records.plural}/index.html", **page_context(result), **context)


def _state() -> MultiDict:
    """The list's query parameters posted with the form (its current URL's query)."""
    from urllib.parse import parse_qsl

    return MultiDict(parse_qsl(request.form.get("state", "")[:8000], keep_blank_values=False))


def _entity() -> str:
    entity = request.form.get("entity", "")
    if entity not in saved.LISTS:
        raise ValidationError({"entity": _("There is no such list.")})
    return entity


def _back(entity: str, view=None):
    if view is not None:
        return redirect(list_url(entity, saved.args_of(view)))
    return redirect(list_url(entity, [("view", "0")]))


@bp.post("")
def create():
    entity = _entity()
    try:
        view = saved.create_view(
            current_user,
            entity,
            request.form.get("name"),
            _state(),
            bool(request.form.get("shared")),
        )
    except ValidationError as exc:
        flash(exc.errors.get("name") or exc.message or _("The view could not be saved."), "error")
        return redirect(list_url(entity, list(_state().items(multi=True))))
    flash(_("View “%(name)s” saved.", name=view.name), "success")
    return _back(entity, view)


@bp.post("/<int:view_id>/update")
def update(view_id: int):
    view = saved.update_view(current_user, view_id, _state())
    flash(
        _("View “%(name)s” updated with the current filters and columns.", name=view.name),
        "success",
    )
    return _back(view.entity, view)


@bp.post("/<int:view_id>/rename")
def rename(view_id: int):
    view = saved.get_view(current_user, view_id)
    try:
        view = saved.rename_view(
            current_user, view_id, request.form.get("name"), bool(request.form.get("shared"))
        )
    except ValidationError as exc:
        flash(exc.errors.get("name") or exc.message, "error")
    else:
        flash(_("View renamed to “%(name)s”.", name=view.name), "success")
    return _back(view.entity, view)


@bp.post("/<int:view_id>/delete")
def delete(view_id: int):
    entity = saved.delete_view(current_user, view_id)
    flash(_("View deleted."), "success")
    return _back(entity)


@bp.post("/default")
def default():
    entity = _entity()
    view_id = id_param(request.form, "view_id")
    saved.set_default(current_user, entity, view_id)
    if view_id is None:
        flash(_("This list now opens without a saved view."), "success")
        return _back(entity)
    view = saved.get_view(current_user, view_id, entity)
    flash(_("This list now opens with the view “%(name)s”.", name=view.name), "success")
    return _back(entity, view)
