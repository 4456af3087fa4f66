"""The duplicate dialog and the bulk renewals page."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import permissions
from webapp.errors import ValidationError
from webapp.extensions import htmx
from webapp.opportunities.fields import day
from webapp.opportunities.services import get_opportunity
from webapp.plugins import registry

from . import bulk, services
from .lineage import PLUGIN
from .models import KINDS
from .terms import add_months

bp = Blueprint("renewals", __name__, url_prefix="/renewals")


def _source(opportunity_id: int):
    """The deal to duplicate: visible to the user, in a line where the plugin is on."""
    source = get_opportunity(current_user, opportunity_id)
    if PLUGIN not in registry().enabled_for(source.business_line_id):
        abort(404)
    return source


def _render_duplicate(source, cloners, values: dict, errors: dict, *, fragment: str):
    counts = {c.name: c.count(source) for c in cloners}
    context = dict(
        source=source,
        cloners=cloners,
        counts=counts,
        values=values,
        errors=errors,
        kinds=KINDS,
        kind_labels=services.SHOWN_KINDS,
        owners=services.valid_owners(source.business_line_id),
        renewal=services.live_renewal(source),
    )
    if htmx and not htmx.boosted:
        return render_template(f"renewals/{fragment}.html", in_dialog=True, **context)
    return render_template("renewals/duplicate.html", in_dialog=False, **context)


@bp.route("/opportunities/<int:opportunity_id>/duplicate", methods=["GET", "POST"])
def duplicate(opportunity_id: int):
    source = _source(opportunity_id)
    permissions.require_write(current_user)  # the form creates a deal: not for read-only users
    cloners = services.cloners_for(source)
    if request.method == "POST":
        values = request.form.to_dict()
        values["parts"] = request.form.getlist("parts")
        try:
            new = services.duplicate(current_user, source, values.get("kind", ""), values)
        except ValidationError as exc:
            return _render_duplicate(
                source, cloners, values, exc.errors, fragment="_duplicate_form"
            ), 422
        kind = values.get("kind") or "copy"  # the service's default when none is posted
        flash(
            {
                "renewal": _("Renewal “%(deal)s” created.", deal=new.name),
                "upsell": _("Upsell “%(deal)s” created.", deal=new.name),
            }.get(kind, _("Copy “%(deal)s” created.", deal=new.name)),
            "success",
        )
        target = url_for("opportunities.detail", opportunity_id=new.id)
        if htmx:
            return "", 200, {"HX-Redirect": target}
        return redirect(target)

    kind = request.args.get("kind")
    if kind not in KINDS:
        kind = "renewal" if source.status == "won" else "copy"
    values = services.defaults(source, kind, current_user, cloners)
    if request.args.get("owner_id"):  # switching kind in the dialog keeps the chosen owner
        values["owner_id"] = request.args["owner_id"]
    fragment = "_duplicate_form" if request.args.get("switch") else "_duplicate_dialog"
    return _render_duplicate(source, cloners, values, {}, fragment=fragment)


def _managed_lines():
    """The business lines (plugin on) the user manages; 403 when there is none."""
    lines = bulk.enabled_business_lines(current_user)
    if not lines:
        abort(403)
    return lines


def _page(lines, values: dict, *, status: int = 200, **context):
    context.setdefault("plans", None)
    context.setdefault("ran", False)
    context.setdefault("errors", {})
    context.setdefault("policy_errors", {})
    context.setdefault("policy_values", {})
    policies = {line.id: bulk.policy_for(line.id) for line in lines}
    html = render_template(
        "renewals/index.html", lines=lines, policies=policies, values=values, **context
    )
    return html, status


@bp.route("/", methods=["GET", "POST"])
def index():
    """Bulk renewals for a period: Preview (a dry run) or Generate, both posted so the CSRF
    token stays out of URLs; and the auto-renewal policies of each business line."""
    lines = _managed_lines()
    today = date.today()
    values = {
        "date_from": request.form.get("date_from") or today.isoformat(),
        "date_to": request.form.get("date_to") or add_months(today, 12).isoformat(),
        "uplift": request.form.get("uplift", ""),
    }
    if request.method == "GET":
        return _page(lines, values)
    dry_run = request.form.get("action") != "generate"
    try:
        uplift = values["uplift"].strip()
        plans = bulk.generate(
            current_user,
            day("date_from", values["date_from"]),
            day("date_to", values["date_to"]),
            uplift=services.parse_uplift(uplift) if uplift else None,
            dry_run=dry_run,
        )
    except ValidationError as exc:
        return _page(lines, values, errors=exc.errors, status=422)
    return _page(lines, values, plans=plans, ran=not dry_run)


@bp.post("/policies/<int:business_line_id>")
def save_policy(business_line_id: int):
    lines = _managed_lines()
    if business_line_id not in {line.id for line in lines}:
        abort(403)
    try:
        bulk.save_policy(current_user, business_line_id, request.form.to_dict())
    except ValidationError as exc:
        return _page(
            lines,
            {"date_from": "", "date_to": "", "uplift": ""},
            policy_errors={business_line_id: exc.errors},
            policy_values={business_line_id: request.form.to_dict()},
            status=422,
        )
    flash(_("Auto-renewal settings saved."), "success")
    return redirect(url_for("renewals.index"))
