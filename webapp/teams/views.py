"""/admin/teams: the teams, each with its manager and members (admins change them, a team's
manager may look)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..errors import ValidationError
from . import services

bp = Blueprint("teams", __name__, url_prefix="/admin/teams")


def _typed() -> dict:
    return {
        "name": request.form.get("name", ""),
        "manager_id": request.form.get("manager_id", ""),
        "member_ids": request.form.getlist("member_ids"),
    }


def _shown(team) -> dict:
    return {
        "name": team.name,
        "manager_id": str(team.manager_id or ""),
        "member_ids": [str(m.id) for m in team.members],
    }


def _form_page(team, values: dict, errors: dict | None = None, status: int = 200):
    return render_template(
        "teams/team.html",
        team=team,
        values=values,
        errors=errors or {},
        people=services.people(),
        teams_of=services.teams_of_people(),
        editable=permissions.is_admin(current_user),
    ), status


@bp.get("")
def index():
    """Admins: every team and the form for a new one; a team's manager: their teams."""
    found = services.teams_for(current_user)
    admin = permissions.is_admin(current_user)
    permissions.require(admin or bool(found), _("Only administrators and team managers."))
    return render_template("teams/index.html", teams=found, admin=admin)


@bp.route("/new", methods=["GET", "POST"])
def new():
    permissions.require_admin(current_user)
    if request.method == "GET":
        return _form_page(None, {"name": "", "manager_id": "", "member_ids": []})
    try:
        team = services.save_team(current_user, None, _typed())
    except ValidationError as exc:
        return _form_page(None, _typed(), exc.errors, 422)
    flash(_("Team “%(name)s” created.", name=team.name), "success")
    return redirect(url_for("teams.index"))


@bp.route("/<int:team_id>", methods=["GET", "POST"])
def edit(team_id: int):
    team = services.get_team(current_user, team_id)
    if request.method == "GET":
        return _form_page(team, _shown(team))
    try:
        services.save_team(current_user, team, _typed())
    except ValidationError as exc:
        return _form_page(team, _typed(), exc.errors, 422)
    flash(_("Team “%(name)s” saved.", name=team.name), "success")
    return redirect(url_for("teams.index"))


@bp.post("/<int:team_id>/delete")
def delete(team_id: int):
    team = services.get_team(current_user, team_id)
    name = services.delete_team(current_user, team)
    flash(_("Team “%(name)s” deleted; its members are in no team now.", name=name), "success")
    return redirect(url_for("teams.index"))
