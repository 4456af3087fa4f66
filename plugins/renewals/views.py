"""The duplicate dialog and the bulk renewals page."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

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
        kind_labels=services.KIND_LABELS,
        owners=services.valid_owners(source.business_line_id),
        renewal=services.live_renewal(source),
    )
    if htmx and not htmx.boosted:
        return render_template(f"renewals/{fragment}.html", in_dialog=True, **context)
    return render_template("renewals/duplicate.html", in_dialog=False, **context)


@bp.route("/opportunities/<int:opportunity_id>/duplicate", methods=["GET", "POST"])
def duplicate(opportunity_id: int):
    source = _source(opportunity_id)
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
        flash(f"{services.KIND_LABELS[values['kind']]} “{new.name}” created.", "success")
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


@bp.route("/", methods=["GET", "POST"])
def index():
    """Bulk renewals for a period (preview = dry run, then generate) and auto-renewal policies."""
    lines = bulk.enabled_business_lines(current_user)
    if not lines:
        abort(403)
    today = date.today()
    source = request.form if request.method == "POST" else request.args
    values = {
        "date_from": source.get("date_from") or today.isoformat(),
        "date_to": source.get("date_to") or add_months(today, 12).isoformat(),
        "uplift": source.get("uplift", ""),
    }
    plans, errors, ran = None, {}, False
    if request.method == "POST" or "preview" in request.args:
        try:
            date_from = day("date_from", values["date_from"]) or today
            date_to = day("date_to", values["date_to"]) or today
            uplift = bulk.parse_uplift(values["uplift"]) if values["uplift"].strip() else None
            plans = bulk.generate(
                current_user,
                date_from,
                date_to,
                uplift=uplift,
                dry_run=request.method != "POST",
            )
            ran = request.method == "POST"
        except ValidationError as exc:
            errors = exc.errors
    policies = {line.id: bulk.policy_for(line.id) for line in lines}
    status = 422 if errors else 200
    return render_template(
        "renewals/index.html",
        lines=lines,
        policies=policies,
        values=values,
        plans=plans,
        errors=errors,
        ran=ran,
        policy_errors={},
    ), status


@bp.post("/policies/<int:business_line_id>")
def save_policy(business_line_id: int):
    lines = bulk.enabled_business_lines(current_user)
    if business_line_id not in {line.id for line in lines}:
        abort(403)
    try:
        bulk.save_policy(current_user, business_line_id, request.form.to_dict())
    except ValidationError as exc:
        policies = {line.id: bulk.policy_for(line.id) for line in lines}
        return render_template(
            "renewals/index.html",
            lines=lines,
            policies=policies,
            values={"date_from": "", "date_to": "", "uplift": ""},
            plans=None,
            errors={},
            ran=False,
            policy_errors={business_line_id: exc.errors},
            policy_values={business_line_id: request.form.to_dict()},
        ), 422
    flash("Auto-renewal settings saved.", "success")
    return redirect(url_for("renewals.index"))
