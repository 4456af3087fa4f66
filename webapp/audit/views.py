"""The audit log page for admins: newest first, paged, filtered by user and kind."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from . import services

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _positive_int(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@bp.get("")
def index():
    user_id, kind = _positive_int("user"), request.args.get("kind") or None
    page = max(_positive_int("page") or 1, 1)
    result = services.events(current_user, user_id=user_id, kind=kind, page=page)
    return render_template(
        "audit/index.html",
        result=result,
        kinds=services.KINDS,
        users=services.user_choices(),
        user_id=user_id,
        kind=kind if kind in services.KINDS else None,
    )
