from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..inputs import safe_local_path
from . import services, signin
from .forms import LoginForm
from .guard import public

bp = Blueprint("auth", __name__)


def throttled(seconds: int) -> str:
    return ngettext(
        "Too many failed sign-ins for this account or from this address. "
        "Wait %(num)d second, then try again.",
        "Too many failed sign-ins for this account or from this address. "
        "Wait %(num)d seconds, then try again.",
        seconds,
    )


def client() -> services.Client:
    """Where the request comes from, for the session list and the audit log."""
    return services.Client(request.remote_addr, request.user_agent.string)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form, status = LoginForm(), 200
    if form.validate_on_submit():
        try:
            started = services.sign_in(
                form.email.data,
                form.password.data,
                remember=form.remember.data,
                client=client(),
            )
        except services.Throttled as exc:
            form.password.errors.append(throttled(exc.wait))
            status = 429
        else:
            if started is not None:
                signin.begin(started)
                return redirect(safe_local_path(request.args.get("next")))
            form.password.errors.append(_("Wrong email or password."))
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.sign_out(current_user, address=request.remote_addr)
    signin.finish()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
