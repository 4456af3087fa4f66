from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..errors import DomainError
from ..extensions import db, htmx
from ..models import LostReason
from ..opportunities.services import get_opportunity, move_stage
from . import services

bp = Blueprint("board", __name__)


@bp.get("/board")
@bp.get("/pipelines/<int:pipeline_id>/board")
def board(pipeline_id: int | None = None):
    pipeline = services.get_pipeline(current_user, pipeline_id)
    owner = request.args.get("owner", "me")
    columns = services.build_board(current_user, pipeline, owner=owner)
    return render_template(
        "board/board.html",
        pipeline=pipeline,
        pipelines=services.visible_pipelines(current_user),
        columns=columns,
        owner=owner,
        lost_reasons=db.session.scalars(
            select(LostReason).where(LostReason.active).order_by(LostReason.position)
        ).all(),
    )


@bp.post("/opportunities/<int:opportunity_id>/stage")
def move(opportunity_id: int):
    """Move a deal to another stage (the board's drop and the card's stage selector)."""
    opp = get_opportunity(current_user, opportunity_id)
    form = request.form
    try:
        move_stage(
            current_user,
            opp,
            form.get("stage_id"),
            form.get("version"),
            lost_reason_id=form.get("lost_reason_id") or form.get("lost_reason"),
            lost_note=form.get("lost_note"),
        )
    except DomainError as exc:
        if htmx:
            return render_template("errors/_alert.html", message=exc.message), exc.status
        return render_template(
            "errors.html", message=exc.message, status=exc.status, back=request.referrer
        ), exc.status
    if not htmx:
        flash(f"“{opp.name}” moved to {opp.stage.name}.", "success")
        return redirect(request.referrer or url_for("board.board"))
    return render_template("board/_card.html", card=opp)
