from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..accounts.concurrency import token
from ..accounts.forms import set_owner_choices
from ..accounts.services import owner_choices
from ..accounts.views import add_errors, submit_edit
from ..board.services import visible_pipelines
from ..errors import ValidationError
from ..extensions import htmx
from ..listing.views import record_list_page
from . import listing, services
from .forms import ConvertForm, LeadForm, choices

bp = Blueprint("leads", __name__, url_prefix="/leads")


@bp.app_template_global("lead_status")
def lead_status(status: str) -> str:
    """A lead status as people read it."""
    return listing.STATUS_LABELS.get(status, status)


@bp.get("")
def index():
    """The leads list; ``?view=<id>`` alone opens a saved view, no parameters the default
    one."""
    return record_list_page(
        listing.LEADS,
        lambda result: {"statuses": listing.STATUS_FILTERS, "sources": listing.source_choices()},
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    permissions.require_write(current_user)
    form = LeadForm(formdata=request.form or None)
    form.source_id.choices = choices(services.sources())
    lines = services.business_lines(current_user)
    form.business_line_id.choices = choices(lines, blank=None)
    set_owner_choices(form, owner_choices())
    if not request.form:
        form.owner_id.data = str(current_user.id)
    status = 200
    if form.validate_on_submit():
        try:
            lead = services.create_lead(current_user, request.form.to_dict())
        except ValidationError as exc:
            add_errors(form, exc.errors)
            status = 422
        else:
            flash(_("Lead “%(name)s” created.", name=lead.full_name), "success")
            return redirect(url_for("leads.detail", lead_id=lead.id))
    return render_template("leads/form.html", form=form, lines=lines), status


@bp.get("/<int:lead_id>")
def detail(lead_id: int):
    lead = services.get_lead(current_user, lead_id)
    return render_template(
        "leads/detail.html",
        lead=lead,
        can_convert=services.can_convert_lead(current_user, lead),
        convert_refusal=services.convert_refusal(current_user, lead),
        **services.conversion_links(lead),
    )


@bp.route("/<int:lead_id>/edit", methods=["GET", "POST"])
def edit(lead_id: int):
    lead = services.get_lead(current_user, lead_id)
    services.require_change_lead(current_user, lead)
    form = LeadForm(formdata=request.form or None, obj=lead)
    form.source_id.choices = choices(services.sources())
    lines = services.business_lines(current_user)
    form.business_line_id.choices = choices(lines, blank=None)
    set_owner_choices(form, owner_choices())
    if not request.form:
        for name in ("source_id", "owner_id", "business_line_id"):
            getattr(form, name).data = str(getattr(lead, name) or "")
        form.updated_at.data = token(lead)
    status, conflict = 200, None
    if form.validate_on_submit():
        save = partial(services.update_lead, current_user, lead)
        status, conflict = submit_edit(form, lead, save)
        if status == 200:
            flash(_("Lead saved."), "success")
            return redirect(url_for("leads.detail", lead_id=lead.id))
    return render_template(
        "leads/form.html", form=form, lines=lines, lead=lead, conflict=conflict
    ), status


@bp.post("/<int:lead_id>/status")
def status(lead_id: int):
    """Change the lead's status (the detail page's selector; htmx swaps the selector)."""
    lead = services.get_lead(current_user, lead_id)
    services.set_status(current_user, lead, request.form.get("status", ""))
    if htmx:
        return render_template("leads/_status.html", lead=lead, can_convert=True)
    flash(_("Lead marked %(status)s.", status=listing.STATUS_LABELS[lead.status]), "success")
    return redirect(url_for("leads.detail", lead_id=lead.id))


def _stage_choices() -> list[tuple[str, str]]:
    return [
        (str(stage.id), f"{pipeline.business_line.name} › {pipeline.name} › {stage.name}")
        for pipeline in visible_pipelines(current_user)
        for stage in pipeline.open_stages
    ]


@bp.route("/<int:lead_id>/convert", methods=["GET", "POST"])
def convert(lead_id: int):
    """One step: account (linked or new) + contact (linked or new) + the new deal."""
    lead = services.get_lead(current_user, lead_id)
    if lead.status == "converted":
        flash(_("This lead was already converted."), "info")
        return redirect(url_for("leads.detail", lead_id=lead.id))
    services.require_convert(current_user, lead)  # 403 with the reason, before any form
    form = ConvertForm(formdata=request.form or None)
    form.stage_id.choices = _stage_choices()
    account, contact = services.matching_account(lead), services.matching_contact(lead)
    if not request.form:
        form.name.data = lead.company or lead.full_name
        form.account_name.data = account.name if account else (lead.company or lead.full_name)
        form.account_id.data = str(account.id) if account else ""
    status = 200
    if form.validate_on_submit():
        try:
            deal = services.convert_lead(current_user, lead, request.form.to_dict())
        except ValidationError as exc:
            add_errors(form, exc.errors)
            status = 422
        else:
            flash(_("Lead converted: deal “%(name)s” created.", name=deal.name), "success")
            return redirect(url_for("opportunities.detail", opportunity_id=deal.id))
    return render_template(
        "leads/convert.html", form=form, lead=lead, account=account, contact=contact
    ), status
