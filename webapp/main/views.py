from flask import Blueprint, current_app, redirect, send_from_directory, url_for

from ..auth.guard import public

bp = Blueprint("main", __name__)


@bp.get("/healthz")
@public
def healthz():
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/favicon.ico")
@public
def favicon():
    """The icon browsers ask for at the root (pages also link the SVG one)."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )


@bp.get("/")
def index():
    return redirect(url_for("board.board"))
