from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..inputs import control_characters
from . import services, signin
from .forms import LoginForm
from .guard import public

bp = Blueprint("auth", __name__)

THROTTLED = (
    "Too many failed sign-ins for this account or from this address. "
    "Wait {seconds} seconds, then try again."
)


def client() -> services.Client:
    """Where the request comes from, for the session list and the audit log."""
    return services.Client(request.remote_addr, request.user_agent.string)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths (no open redirect), without control characters (a
    CRLF would split the Location header)."""
    if (
        target
        and not control_characters(target)
        and "\\" not in target
        and urlsplit(target).netloc == ""
        and target.startswith("/")
        and not target.startswith("//")
    ):
        return target
    return url_for("main.index")


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
            form.password.errors.append(THROTTLED.format(seconds=exc.wait))
            status = 429
        else:
            if started is not None:
                signin.begin(started)
                return redirect(_safe_next(request.args.get("next")))
            form.password.errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    services.sign_out(current_user, address=request.remote_addr)
    signin.finish()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
