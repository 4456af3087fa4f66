"""The opportunity page, its panels (htmx fragments of the same URLs) and creation."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .. import permissions
from ..accounts.matching import CONFIRM
from ..board.services import account_label, visible_pipelines
from ..errors import ConflictError, ValidationError
from ..extensions import db, htmx
from ..inputs import FORM_OVERHEAD, id_param
from ..listing import saved
from ..listing.views import opening
from ..models import Account, Contact
from . import activities, documents, inline, listing, notes, page, relations, services
from .answers import changed, header_context, panel_context
from .forms import OpportunityForm

bp = Blueprint("opportunities", __name__, url_prefix="/opportunities")


def _stage_choices(user) -> list[tuple[str, str]]:
    return [
        (str(stage.id), f"{pipeline.name} › {stage.name}")
        for pipeline in visible_pipelines(user)
        for stage in pipeline.open_stages
    ]


def _prefill(args) -> dict:
    """Pre-filled values from ``?account_id=&contact_id=`` (the account and contact pages)."""
    data = {}
    contact_id = id_param(args, "contact_id") or id_param(args, "primary_contact_id")
    contact = db.session.get(Contact, contact_id or 0)
    if contact is not None and contact.deleted_at is None:
        data["primary_contact_id"] = contact.id
        data["contact_name"] = contact.full_name
        if contact.account is not None:
            data["account_id"], data["account_name"] = contact.account.id, contact.account.name
    account = db.session.get(Account, id_param(args, "account_id") or 0)
    if account is not None and account.deleted_at is None:
        data["account_id"], data["account_name"] = account.id, account.name
    return data


@bp.get("")
def index():
    """The list of deals: filters, columns, sort and cursor in the query string; htmx
    requests get the table fragment. ``?view=<id>`` alone opens a saved view, no
    parameters at all the user's default view."""
    elsewhere = opening("opportunity", request.args)
    if elsewhere is not None:
        return elsewhere
    deals = listing.list_opportunities(current_user, request.args)
    context = {
        "deals": deals,
        "filters": deals.filters,
        "views": saved.views_for(current_user, "opportunity"),
        "current_view": id_param(request.args, "view"),
        "default_view_id": saved.default_view_id(current_user, "opportunity"),
        "partial": bool(htmx),
    }
    if htmx:
        return render_template("opportunities/_list.html", **context)
    choices = listing.filter_choices(current_user)
    return render_template(
        "opportunities/index.html",
        choices=choices,
        account_label=account_label(deals.filters["account_id"]),
        **context,
    )


@bp.get("/totals")
def totals():
    """The count, amount and forecast of every deal the list's filters match: the list
    fetches them once its page is shown (htmx, on load)."""
    figures = listing.matching_totals(current_user, request.args)
    return render_template("opportunities/_totals.html", totals=figures)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """The full create form; requested by htmx it is the quick-create dialog."""
    permissions.require_write(current_user)
    prefill = _prefill(request.values)
    form = OpportunityForm(formdata=request.form or None, data=prefill)
    form.stage_id.choices = _stage_choices(current_user)
    template = "opportunities/_quick_dialog.html" if htmx else "opportunities/new.html"
    if form.validate_on_submit():
        try:
            opp = services.create_opportunity(current_user, request.form.to_dict())
        except ValidationError as exc:
            for name, message in exc.errors.items():
                getattr(form, name, form.name).errors.append(message)
        else:
            flash(_("Deal “%(name)s” created.", name=opp.name), "success")
            target = url_for("opportunities.detail", opportunity_id=opp.id)
            if htmx:
                return "", 204, {"HX-Redirect": target}
            return redirect(target)
    status = 422 if htmx and request.method == "POST" else 200  # the dialog re-renders itself
    return render_template(template, form=form, prefill=prefill), status


@bp.get("/<int:opportunity_id>")
def detail(opportunity_id: int):
    opp, lists = page.load_page(current_user, opportunity_id)
    return render_template(
        "opportunities/detail.html",
        opp=opp,
        **panel_context(opp, lists),
        timeline=lists.timeline,
        activities=lists.activities,
        notes=lists.notes,
        documents=lists.documents,
    )


@bp.get("/<int:opportunity_id>/header")
def header(opportunity_id: int):
    opp = page.load_opportunity(current_user, opportunity_id)
    return render_template("opportunities/_header.html", opp=opp, **header_context(opp))


# --- Overview: one field at a time ---------------------------------------------------------


@bp.route("/<int:opportunity_id>/fields/<name>", methods=["GET", "POST"])
def field(opportunity_id: int, name: str):
    """GET: the field (``?edit=1``: its editor); POST: save it with the version it was
    read at. Bad input (422) and a stale version (409) re-render the editor, input kept."""
    if name not in inline.FIELDS:
        abort(404)
    opp = services.get_opportunity(current_user, opportunity_id)
    context = {
        "opp": opp,
        "field": inline.FIELDS[name],
        "can_edit": page.can_edit(current_user, opp),
        "field_display": inline.display,
    }
    if request.method == "GET":
        editing = bool(request.args.get("edit")) and context["can_edit"]
        typed = inline.value(opp, name)
        seen = page.latest_entry_id(opp) if editing else None
        return render_template(
            "opportunities/_field.html", editing=editing, typed=typed, seen=seen, **context
        )

    typed = request.form.getlist(name) if name == "tag_ids" else request.form.get(name, "")
    data = {name: typed}
    if name == "account_id":  # the picker: picked, or typed (matched in the service)
        data.update({key: request.form.get(key, "") for key in ("account_name", CONFIRM)})
    try:
        version = page.version_for_save(
            opp, current_user, name, request.form.get("version"), id_param(request.form, "seen")
        )
        services.update_opportunity(current_user, opp, data, version)
    except ValidationError as exc:
        error = exc.errors.get(name) or exc.message
        return render_template(
            "opportunities/_field.html",
            editing=True,
            typed=typed,
            error=error,
            seen=id_param(request.form, "seen"),
            typed_name=request.form.get("account_name"),
            **context,
        ), 422
    except ConflictError as exc:
        context["opp"] = exc.current
        return changed(
            render_template(
                "opportunities/_field.html",
                editing=True,
                typed=typed,
                conflict=page.changes_since(exc.current, id_param(request.form, "seen")),
                seen=page.latest_entry_id(exc.current),
                current_display=inline.display(exc.current, name),
                typed_name=request.form.get("account_name"),
                **context,
            ),
            exc.current,
            409,  # the header shows the current values
        )
    return changed(
        render_template("opportunities/_field.html", editing=False, typed=typed, **context), opp
    )


# --- Panels ------------------------------------------------------------------------------


def _panel(opp, name: str, *, errors=None, form=None, status: int = 200):
    """Re-render one panel (htmx) or go back to the page (plain form posts)."""
    if not htmx:
        if errors:
            flash("; ".join(errors.values()), "error")
        return redirect(url_for("opportunities.detail", opportunity_id=opp.id) + f"#panel-{name}")
    loaders = {
        "activities": lambda: {"activities": page.activities(opp)},
        "notes": lambda: {"notes": page.notes(opp)},
        "documents": lambda: {"documents": page.documents(opp)},
        "timeline": lambda: {"timeline": page.timeline(opp, id_param(request.args, "before"))},
    }
    template = {"partners": "_accounts", "competitors": "_accounts"}.get(name, f"_{name}")
    context = {
        "opp": opp,
        "errors": errors or {},
        "form": form or {},
        "role": name[:-1] if name in ("partners", "competitors") else None,
        # The product line being edited: asked for, or kept open after a refused save.
        "edit_line": id_param(request.values, "edit_line")
        if request.method == "GET" or status != 200
        else None,
        **panel_context(opp),
        **(loaders[name]() if name in loaders else {}),
    }
    html = render_template(f"opportunities/{template}.html", **context)
    if status == 200 and request.method == "POST":
        return changed(html, opp)
    return make_response(html, status)


def _act(opportunity_id: int, panel: str, action, *, for_edit: bool = True):
    """Run ``action(opp)`` and re-render ``panel``; a ValidationError keeps the typed input."""
    opp = services.get_opportunity(current_user, opportunity_id, for_edit=for_edit)
    try:
        action(opp)
    except ValidationError as exc:
        return _panel(opp, panel, errors=exc.errors, form=request.form, status=422)
    except ConflictError as exc:
        return _panel(
            exc.current, panel, errors={"__all__": exc.message}, form=request.form, status=409
        )
    return _panel(opp, panel)


@bp.get("/<int:opportunity_id>/panels/<name>")
def panel(opportunity_id: int, name: str):
    if name not in (
        "timeline",
        "activities",
        "products",
        "contacts",
        "partners",
        "competitors",
        "documents",
        "notes",
    ):
        abort(404)
    opp = services.get_opportunity(current_user, opportunity_id)
    if name == "timeline" and request.args.get("before"):
        return render_template(
            "opportunities/_timeline_entries.html",
            opp=opp,
            timeline=page.timeline(opp, id_param(request.args, "before")),
        )
    return _panel(opp, name)


@bp.post("/<int:opportunity_id>/activities")
def add_activity(opportunity_id: int):
    return _act(
        opportunity_id,
        "activities",
        lambda opp: activities.create_activity(current_user, opp, request.form),
    )


@bp.post("/<int:opportunity_id>/activities/<int:activity_id>/done")
def complete_activity(opportunity_id: int, activity_id: int):
    return _act(
        opportunity_id,
        "activities",
        lambda opp: activities.complete_activity(current_user, opp, activity_id),
        for_edit=False,  # the assignee may too (the service checks)
    )


@bp.post("/<int:opportunity_id>/activities/<int:activity_id>/reschedule")
def reschedule_activity(opportunity_id: int, activity_id: int):
    return _act(
        opportunity_id,
        "activities",
        lambda opp: activities.reschedule_activity(
            current_user, opp, activity_id, request.form.get("due_at")
        ),
        for_edit=False,  # the assignee may too (the service checks)
    )


@bp.post("/<int:opportunity_id>/lines")
def add_line(opportunity_id: int):
    return _act(
        opportunity_id, "products", lambda opp: services.add_line(current_user, opp, request.form)
    )


@bp.post("/<int:opportunity_id>/lines/<int:line_id>")
def update_line(opportunity_id: int, line_id: int):
    return _act(
        opportunity_id,
        "products",
        lambda opp: services.update_line(current_user, opp, line_id, request.form),
    )


@bp.post("/<int:opportunity_id>/lines/<int:line_id>/delete")
def remove_line(opportunity_id: int, line_id: int):
    return _act(
        opportunity_id, "products", lambda opp: services.remove_line(current_user, opp, line_id)
    )


@bp.post("/<int:opportunity_id>/contacts")
def add_contact(opportunity_id: int):
    return _act(
        opportunity_id,
        "contacts",
        lambda opp: relations.add_contact(
            current_user, opp, request.form.get("contact_id"), request.form.get("role")
        ),
    )


@bp.post("/<int:opportunity_id>/contacts/new")
def create_contact(opportunity_id: int):
    """A new contact of the deal's account, straight onto the deal."""
    return _act(
        opportunity_id,
        "contacts",
        lambda opp: relations.create_contact(current_user, opp, request.form.to_dict()),
    )


@bp.post("/<int:opportunity_id>/contacts/<int:link_id>/role")
def contact_role(opportunity_id: int, link_id: int):
    return _act(
        opportunity_id,
        "contacts",
        lambda opp: relations.set_contact_role(
            current_user, opp, link_id, request.form.get("role")
        ),
    )


@bp.post("/<int:opportunity_id>/contacts/<int:link_id>/delete")
def remove_contact(opportunity_id: int, link_id: int):
    return _act(
        opportunity_id, "contacts", lambda opp: relations.remove_contact(current_user, opp, link_id)
    )


@bp.post("/<int:opportunity_id>/partners", defaults={"panel_name": "partners"})
@bp.post("/<int:opportunity_id>/competitors", defaults={"panel_name": "competitors"})
def add_account(opportunity_id: int, panel_name: str):
    return _act(
        opportunity_id,
        panel_name,
        lambda opp: relations.add_account(current_user, opp, panel_name[:-1], request.form),
    )


@bp.post("/<int:opportunity_id>/partners/<int:link_id>/delete", defaults={"panel_name": "partners"})
@bp.post(
    "/<int:opportunity_id>/competitors/<int:link_id>/delete",
    defaults={"panel_name": "competitors"},
)
def remove_account(opportunity_id: int, panel_name: str, link_id: int):
    return _act(
        opportunity_id, panel_name, lambda opp: relations.remove_account(current_user, opp, link_id)
    )


@bp.post("/<int:opportunity_id>/notes")
def add_note(opportunity_id: int):
    return _act(
        opportunity_id,
        "notes",
        lambda opp: notes.add_note(current_user, opp, request.form.get("body")),
        for_edit=False,
    )


@bp.post("/<int:opportunity_id>/notes/<int:note_id>/pin")
def pin_note(opportunity_id: int, note_id: int):
    pinned = request.form.get("pinned") == "1"
    return _act(
        opportunity_id, "notes", lambda opp: notes.set_pinned(current_user, opp, note_id, pinned)
    )


@bp.post("/<int:opportunity_id>/documents")
def upload_document(opportunity_id: int):
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    # read at most this much of any body, chunked ones too (413 past it)
    request.max_content_length = limit + FORM_OVERHEAD
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        opp = services.get_opportunity(current_user, opportunity_id, for_edit=True)
        errors = documents.too_large(limit).errors
        return _panel(opp, "documents", errors=errors, form={}, status=422)
    return _act(
        opportunity_id,
        "documents",
        lambda opp: documents.upload_document(
            current_user,
            opp,
            upload.stream if upload else None,
            upload.filename if upload else None,
            folder=current_app.config["UPLOAD_FOLDER"],
            limit=limit,
        ),
    )


@bp.get("/<int:opportunity_id>/documents/<int:document_id>")
def download_document(opportunity_id: int, document_id: int):
    opp = services.get_opportunity(current_user, opportunity_id)
    doc, path = documents.document_file(
        current_user, opp, document_id, current_app.config["UPLOAD_FOLDER"]
    )
    response = send_file(
        path,
        mimetype=doc.content_type,
        as_attachment=True,
        download_name=doc.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


from . import mass_views  # noqa: E402,F401  (the list's mass actions, on this blueprint)
