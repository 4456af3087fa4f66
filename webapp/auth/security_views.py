"""The user's own security page: name, password, and the sessions signed in as them."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ValidationError
from ..models._base import utcnow
from . import services, sessions, signin
from .passwords import min_length
from .views import client

bp = Blueprint("security", __name__, url_prefix="/profile/security")


def _page(errors: dict | None = None, status: int = 200):
    return render_template(
        "auth/security.html",
        sessions=sessions.live(current_user),
        current_id=current_user.session_record_id,
        errors=errors or {},
        form=request.form,
        min_length=min_length(),
        now=utcnow(),
    ), status


@bp.get("")
def index():
    return _page()


@bp.post("/name")
def change_name():
    try:
        services.change_name(current_user, request.form.get("name"), address=request.remote_addr)
    except ValidationError as exc:
        return _page(exc.errors, 422)
    flash(_("Your name is saved."), "success")
    return redirect(url_for("security.index"))


@bp.post("/password")
def change_password():
    try:
        started = services.change_password(
            current_user,
            request.form.get("current_password", ""),
            request.form.get("new_password", ""),
            request.form.get("confirm_password", ""),
            client=client(),
        )
    except ValidationError as exc:
        return _page(exc.errors, 422)
    signin.begin(started)
    flash(_("Your password is changed. Every other session has been signed out."), "success")
    return redirect(url_for("security.index"))


@bp.post("/sessions/<int:record_id>/end")
def end_session(record_id: int):
    current = record_id == current_user.session_record_id
    if not services.end_session(current_user, record_id, address=request.remote_addr):
        flash(_("That session had already ended."), "info")
    elif current:
        signin.finish()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"))
    else:
        flash(_("The session is ended."), "success")
    return redirect(url_for("security.index"))


@bp.post("/sessions/end-all")
def end_all_sessions():
    services.end_all_sessions(current_user, address=request.remote_addr)
    signin.finish()
    flash(_("You are signed out everywhere, on every device."), "info")
    return redirect(url_for("auth.login"))
