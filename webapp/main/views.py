from flask import Blueprint, redirect, url_for

from ..auth.guard import public

bp = Blueprint("main", __name__)


@bp.get("/healthz")
@public
def healthz():
    return "ok", 200, {"Content-Type": "text/plain"}


@bp.get("/")
def index():
    return redirect(url_for("board.board"))
