"""Admin pages for users: the list with the invitation form, and one user's page (access,
role, business lines). htmx swaps the section a form belongs to; without JavaScript the
page is answered again."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..auth import signin
from ..errors import ValidationError
from ..extensions import htmx
from . import roles, services
from .links import Issued

bp = Blueprint("users", __name__, url_prefix="/admin/users")

SECTIONS = {
    "access": "users/_access.html",
    "role": "users/_role.html",
    "lines": "users/_lines.html",
}


def _invite_context(errors: dict | None = None, issued: Issued | None = None) -> dict:
    return {
        "errors": errors or {},
        "form": request.form if errors else {},
        "issued": issued,
        "lines": services.business_lines(),
        "roles": roles.choices(),
    }


def _index(errors: dict | None = None, issued: Issued | None = None, status: int = 200):
    return render_template(
        "users/index.html",
        rows=services.rows(current_user),
        role_label=roles.label,
        **_invite_context(errors, issued),
    ), status


@bp.get("")
def index():
    return _index()


@bp.post("/invite")
def invite():
    """Invite a person; the one-time link is shown here (once) for the admin to pass on."""
    try:
        issued = services.invite(
            current_user,
            email=request.form.get("email"),
            name=request.form.get("name"),
            role=request.form.get("role"),
            business_line_ids=request.form.getlist("business_line_id"),
        )
    except ValidationError as exc:
        if htmx:
            return render_template("users/_invite.html", **_invite_context(exc.errors)), 422
        return _index(exc.errors, status=422)
    if htmx:
        form = render_template("users/_invite.html", **_invite_context(issued=issued))
        table = render_template(
            "users/_table.html", rows=services.rows(current_user), role_label=roles.label, oob=True
        )
        return form + table
    return _index(issued=issued)


def _user_context(user_id: int, errors: dict | None = None, issued: Issued | None = None):
    return {
        "row": services.row(current_user, user_id),
        "errors": errors or {},
        "form": request.form if errors else {},
        "issued": issued,
        "lines": services.business_lines(),
        "roles": roles.choices(),
        "role_label": roles.label,
        "is_self": user_id == current_user.id,
    }


@bp.get("/<int:user_id>")
def show(user_id: int):
    return render_template("users/user.html", **_user_context(user_id))


def _act(user_id: int, section: str, action, message: str):
    """Run ``action`` (a service call) and answer with the section (htmx) or the page."""
    try:
        result = action()
    except ValidationError as exc:
        context = _user_context(user_id, errors=exc.errors)
        if htmx:
            return render_template(SECTIONS[section], **context), 422
        return render_template("users/user.html", **context), 422
    if elsewhere := _no_longer_admin():
        if htmx:
            return "", 200, {"HX-Redirect": elsewhere}
        return redirect(elsewhere)
    issued = result if isinstance(result, Issued) else None
    if htmx:
        context = _user_context(user_id, issued=issued)
        return render_template(SECTIONS[section], message=message, **context)
    if issued is not None:
        return render_template(
            "users/user.html", message=message, **_user_context(user_id, issued=issued)
        )
    flash(message, "success")
    return redirect(url_for("users.show", user_id=user_id))


def _no_longer_admin() -> str | None:
    """Where an admin who just deactivated or demoted themselves goes, else None."""
    if not current_user.active:
        signin.finish()
        flash(_("You deactivated your own account and are signed out."), "info")
        return url_for("auth.login")
    if not permissions.is_admin(current_user):
        flash(_("You are no longer an administrator."), "info")
        return url_for("main.index")
    return None


@bp.post("/<int:user_id>/role")
def change_role(user_id: int):
    role = request.form.get("role")
    return _act(
        user_id,
        "role",
        lambda: services.change_role(current_user, user_id, role),
        _("The role is saved."),
    )


@bp.post("/<int:user_id>/business-lines")
def set_business_lines(user_id: int):
    ids = request.form.getlist("business_line_id")
    return _act(
        user_id,
        "lines",
        lambda: services.set_business_lines(current_user, user_id, ids),
        _("The business lines are saved."),
    )


@bp.post("/<int:user_id>/deactivate")
def deactivate(user_id: int):
    return _act(
        user_id,
        "access",
        lambda: services.deactivate(current_user, user_id),
        _("The user is deactivated and signed out everywhere."),
    )


@bp.post("/<int:user_id>/reactivate")
def reactivate(user_id: int):
    return _act(
        user_id,
        "access",
        lambda: services.reactivate(current_user, user_id),
        _("The user is active again and may sign in."),
    )


@bp.post("/<int:user_id>/reset-password")
def reset_password(user_id: int):
    return _act(
        user_id,
        "access",
        lambda: services.reset_password(current_user, user_id),
        _("The password no longer works and every session is ended. Pass on this link."),
    )


@bp.post("/<int:user_id>/invitation")
def new_invitation(user_id: int):
    return _act(
        user_id,
        "access",
        lambda: services.new_invitation(current_user, user_id),
        _("A new invitation link is ready; the previous one no longer works."),
    )


@bp.post("/<int:user_id>/invitation/revoke")
def revoke_invitation(user_id: int):
    return _act(
        user_id,
        "access",
        lambda: services.revoke_invitation(current_user, user_id),
        _("The invitation is withdrawn: its link no longer works."),
    )
