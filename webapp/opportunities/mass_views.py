"""The deals list's mass actions: the confirmation dialog (with the count) and the run."""

import json

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..board.services import lost_reasons, tag_choices, visible_pipelines
from ..errors import ValidationError
from ..owners.services import eligible_owners
from . import mass
from .views import bp

bp.add_app_template_global(lambda: mass.ACTIONS, "mass_actions")


def _choices(action: str) -> dict:
    if action == "stage":
        return {"pipelines": visible_pipelines(current_user), "lost_reasons": lost_reasons()}
    if action == "owner":
        return {"owners": eligible_owners()}
    if action in ("add_tags", "remove_tags"):
        return {"tags": tag_choices()}
    return {}


def _dialog(action: str, errors: dict | None = None, status: int = 200, body: bool = False):
    target = mass.Target.from_form(request.form)
    return render_template(
        "opportunities/_mass_dialog_body.html" if body else "opportunities/_mass_dialog.html",
        action=action,
        label=mass.ACTIONS[action],
        count=mass.count(current_user, target),
        target=target,
        form=request.form,
        errors=errors or {},
        **_choices(action),
    ), status


@bp.post("/mass/confirm")
def mass_confirm():
    """The confirmation dialog of a mass action: how many deals, and what it needs."""
    permissions.require_write(current_user)
    action = mass.action_of(request.form.get("action"))
    if action is None:
        raise ValidationError({"action": _("Choose an action.")})
    return _dialog(action)


@bp.post("/mass")
def mass_run():
    """Run the confirmed mass action; the report goes above the list, which refreshes."""
    action = mass.action_of(request.form.get("action"))
    if action is None:
        raise ValidationError({"action": _("Choose an action.")})
    try:
        report = mass.run(current_user, action, request.form)
    except ValidationError as exc:
        return _dialog(action, exc.errors, 422, body=True)
    headers = {
        "HX-Retarget": "#mass-report",
        "HX-Reswap": "innerHTML",
        "HX-Trigger": json.dumps({"closeDialog": True, "dealsChanged": True}),
    }
    body = render_template(
        "opportunities/_mass_report.html", report=report, label=mass.ACTIONS[action]
    )
    return body, 200, headers
