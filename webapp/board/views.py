"""The board page, its fragments (filtered board, more cards), quick create and the stage move.

The move (POST /opportunities/<id>/stage) also serves the opportunity page and plain forms:
only requests carrying ``board=1`` (sent by the board's JavaScript and dialogs) get the
board answers: the card, the column totals in ``HX-Trigger``, and the move dialog for a lost
reason or a stage gate.
"""

import json
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from flask import (
    Blueprint,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import permissions
from ..accounts.matching import CONFIRM
from ..activities.offer import offer_url
from ..errors import ConflictError, DomainError, GateError, ValidationError
from ..extensions import db, htmx
from ..inputs import id_param, integer
from ..listing import saved
from ..models import Opportunity, Stage
from ..money import compact_money, money
from ..opportunities.answers import changed
from ..opportunities.services import create_opportunity, get_opportunity
from ..templating import run_hook
from . import gate, services
from .cards import card_context, render_card
from .services import CLOSE_PERIODS, BoardFilters

bp = Blueprint("board", __name__)


def _page_context(user, pipeline, filters: BoardFilters, pipelines=None, **extra) -> dict:
    return {
        "board": services.build_board(user, pipeline, filters, tags=_shows_tags(user)),
        "pipeline": pipeline,
        "filters": filters,
        "pipelines": services.visible_pipelines(user) if pipelines is None else pipelines,
        "owners": services.owner_choices(pipeline),
        "tags": services.tag_choices(),
        "account_label": services.account_label(filters.account_id),
        "close_periods": CLOSE_PERIODS,
        "saved_views": saved.views_for(user, "opportunity"),
        **extra,
    }


@bp.get("/board")
@bp.get("/pipelines/<int:pipeline_id>/board")
def board(pipeline_id: int | None = None):
    """The board of a pipeline; the filter bar's htmx requests get the board fragment."""
    args = request.args
    view_id = id_param(args, "view")
    if view_id:  # a saved deal view: the filters the board knows, the others ignored
        view = saved.get_view(current_user, view_id, "opportunity")
        args = MultiDict(
            [
                *saved.args_of(view),
                *((k, args[k]) for k in ("pipeline", "business_line") if k in args),
            ]
        )
    pipeline_id = id_param(args, "pipeline") or pipeline_id
    business_line_id = id_param(args, "business_line")
    pipelines = services.visible_pipelines(current_user)
    try:
        pipeline = services.get_pipeline(current_user, pipeline_id, business_line_id, pipelines)
        if business_line_id and pipeline.business_line_id != business_line_id:
            pipeline = services.get_pipeline(current_user, None, business_line_id)
    except services.NoPipeline:
        return render_template("board/no_pipeline.html")
    filters = services.board_filters(current_user, pipeline, args)
    context = _page_context(current_user, pipeline, filters, pipelines)
    if htmx and htmx.target == "board-page":
        return render_template("board/_page.html", **context)
    return render_template("board/board.html", **context)


@bp.get("/opportunities/<int:opportunity_id>/card-actions")
def card_actions(opportunity_id: int):
    """The items of a card's action menu (the plugins' ``opportunity_actions``), fetched when
    the menu opens."""
    opp = get_opportunity(current_user, opportunity_id)
    actions = run_hook("opportunity_actions", opportunity=opp, user=current_user)
    return render_template(
        "board/_card_actions.html",
        opp=opp,
        stages=opp.pipeline.stages,
        can_move=permissions.can_edit(current_user, opp),
        actions=actions,
    )


@bp.get("/opportunities/<int:opportunity_id>/stage")
def move_page(opportunity_id: int):
    """The move as a page: the card menu's link without JavaScript."""
    opp = get_opportunity(current_user, opportunity_id)
    permissions.require_edit(current_user, opp)
    return render_template("board/move_page.html", opp=opp, back=_back())


@bp.post("/board/density")
def density():
    """The user's card density (compact or comfortable), then back to the board."""
    try:
        services.set_density(current_user, request.form.get("density", ""))
    except ValidationError as exc:
        flash(exc.errors["density"], "error")
    return redirect(_back())


@bp.get("/pipelines/<int:pipeline_id>/board/stages/<int:stage_id>/cards")
def more(pipeline_id: int, stage_id: int):
    """The next cards of a column (infinite scroll); without htmx, a page of that column."""
    pipeline = services.get_pipeline(current_user, pipeline_id)
    stage = services.column_stage(pipeline, stage_id)
    filters = BoardFilters.from_args(request.args)
    offset = integer(request.args.get("offset")) or 0
    column = services.more_cards(current_user, pipeline, stage, filters, offset)
    context = {
        "column": column,
        "pipeline": pipeline,
        "filters": filters,
        "extras": services.CardExtras.of(column.cards, _shows_tags(current_user)),
    }
    if htmx:
        return render_template("board/_more.html", **context)
    return render_template("board/column.html", **context)


@bp.post("/pipelines/<int:pipeline_id>/board/stages/<int:stage_id>/deals")
def quick_create(pipeline_id: int, stage_id: int):
    """Quick create at the top of a column: name, account, amount."""
    pipeline = services.get_pipeline(current_user, pipeline_id)
    stage = services.column_stage(pipeline, stage_id)
    form = request.form
    data = {
        "name": form.get("name", ""),
        "account_id": form.get("account_id", ""),
        "account_name": form.get("account_name", ""),
        CONFIRM: form.get(CONFIRM, ""),
        "amount": form.get("amount", ""),
        "stage_id": stage_id,
    }
    filters = BoardFilters.from_args(MultiDict(parse_qsl(form.get("filters", ""))))
    try:
        opp = create_opportunity(current_user, data)
    except ValidationError as exc:
        quick = {"stage_id": stage_id, "values": data, "errors": exc.errors}
        if htmx:
            form_html = get_template_attribute("board/_quick_create.html", "quick_create")
            response = form_html(stage, pipeline, filters, quick)
            return response, 422, {"HX-Retarget": f"#quick-{stage_id}", "HX-Reswap": "outerHTML"}
        context = _page_context(current_user, pipeline, filters, quick=quick)
        return render_template("board/board.html", **context), 422
    if not htmx:
        flash(_("“%(name)s” created in %(stage)s.", name=opp.name, stage=opp.stage.name), "success")
        return redirect(_back())
    totals = services.column_totals(current_user, pipeline, filters, [stage_id])
    card = services.card(opp.id)
    html = render_template(
        "board/_created.html",
        card=card,
        stage=stage,
        pipeline=pipeline,
        filters=filters,
        extras=services.CardExtras.of([card], _shows_tags(current_user)),
    )
    return html, 201, {"HX-Trigger": json.dumps({"boardTotals": _totals_payload(totals)})}


@bp.post("/opportunities/<int:opportunity_id>/stage")
def move(opportunity_id: int):
    """Move a deal to another stage (the board's drop, the card's stage selector, the move
    dialog, the opportunity page). Form: stage_id, version, lost_reason_id (or lost_reason),
    lost_note; from the board also before_id/after_id (the card's neighbours), board=1,
    filters (the board's query string); from the opportunity page deal=1; from the dialog
    the gate ``field`` values. One intent: ``services.move_card``."""
    opp = get_opportunity(current_user, opportunity_id)
    form = request.form
    where = "board" if form.get("board") == "1" else "deal" if form.get("deal") == "1" else ""
    from_stage_id = opp.stage_id
    try:
        services.move_card(current_user, opp, form)
    except DomainError as exc:
        return _move_failed(opp, exc, where, from_stage_id)
    offer = offer_url(opp, from_stage_id, card=1 if where == "board" and opp.is_open else None)
    if not htmx:
        flash(_("“%(name)s” moved to %(stage)s.", name=opp.name, stage=opp.stage.name), "success")
        if offer:
            flash(offer, "next-activity")
        return redirect(_back())
    offered = {"offerNextActivity": {"url": offer}} if offer else {}
    if where == "deal":
        return changed("", opp, closeDialog=True, **offered)
    if where != "board":
        html = render_card(opp)
        return html, 200, {"HX-Trigger": json.dumps(offered)} if offered else {}
    triggers = {"boardSettled": {"id": opp.id}, "closeDialog": True, **offered}
    triggers["boardTotals"] = _board_totals(opp, from_stage_id)
    if not opp.is_open:
        won, amount = opp.status == "won", money(opp.amount, opp.currency)
        if won:
            message = _("“%(name)s” closed won (%(amount)s).", name=opp.name, amount=amount)
        else:
            message = _("“%(name)s” closed lost (%(amount)s).", name=opp.name, amount=amount)
        triggers["boardAlert"] = {"message": message, "level": "success" if won else "secondary"}
        return "", 200, {"HX-Trigger": json.dumps(triggers)}
    html = render_card(opp)
    return html, 200, {"HX-Trigger": json.dumps(triggers)}


def _move_failed(opp: Opportunity, exc: DomainError, where: str, from_stage_id: int):
    """Lost reason or gate: the move dialog; conflict: the card (board) or the header (deal
    page) as stored, with the message; else a message in place."""
    wants_dialog = isinstance(exc, GateError) or (
        isinstance(exc, ValidationError)
        and any(k in ("lost_reason_id", "lost_note") or gate.spec(k) for k in exc.errors)
    )
    if wants_dialog and (where or not htmx):
        context = _dialog_context(opp, exc)
        if htmx:
            return (
                render_template("board/_move_dialog.html", **context),
                422,
                {"HX-Retarget": "#modal-root", "HX-Reswap": "innerHTML"},
            )
        return render_template("board/move.html", **context), 422
    if isinstance(exc, ConflictError) and htmx and where:
        current = db.session.get(Opportunity, opp.id)
        if where == "deal":
            return changed("", current, 409, notice=exc.message, closeDialog=True)
        triggers = {
            "boardSettled": {"id": opp.id},
            "closeDialog": True,
            "boardAlert": {"message": exc.message, "level": "warning"},
            "boardTotals": _board_totals(current, from_stage_id),
        }
        html = ""
        if current.is_open and current.deleted_at is None:
            html = render_card(current)
        return html, 409, {"HX-Trigger": json.dumps(triggers)}
    if htmx:
        headers = {}
        if where == "board":
            headers = {"HX-Retarget": "#board-alerts", "HX-Reswap": "innerHTML"}
        return render_template("errors/_alert.html", message=exc.message), exc.status, headers
    return render_template(
        "errors.html", message=exc.message, status=exc.status, back=request.referrer
    ), exc.status


def _dialog_context(opp: Opportunity, exc: DomainError) -> dict:
    form = request.form
    stage = db.session.get(Stage, id_param(form, "stage_id") or 0)
    if isinstance(exc, GateError):
        problems, fields = exc.problems, exc.fields
    else:  # the dialog re-posted: keep its problems, show the new errors
        problems, fields = form.getlist("problem"), form.getlist("field")
    fields = gate.known(fields)
    # The first answer asks; errors show once the dialog itself was submitted.
    errors = getattr(exc, "errors", {}) if form.get("dialog") else {}
    return {
        "opp": opp,
        "stage": stage,
        "problems": problems,
        "fields": fields,
        "inputs": {f: gate.spec(f) for f in fields},
        "values": {f: form.get(f, gate.value(opp, f)) for f in fields},
        "choices": gate.choices(opp, fields),
        "errors": errors,
        "lost_reasons": services.lost_reasons() if stage and stage.kind == "lost" else [],
        "form": form,
        "back": _back(),
    }


def _board_totals(opp: Opportunity, from_stage_id: int) -> dict:
    """Totals of the columns a move touched, for the board's filters (one query)."""
    filters = BoardFilters.from_args(MultiDict(parse_qsl(request.form.get("filters", ""))))
    open_ids = {s.id for s in opp.pipeline.stages if s.kind == "open"}
    # The stages as stored before and after, and as the (maybe stale) board showed them.
    shown = {id_param(request.form, k) for k in ("stage_id", "origin_stage_id")}
    stage_ids = ({from_stage_id, opp.stage_id} | shown) & open_ids
    totals = services.column_totals(current_user, opp.pipeline, filters, stage_ids)
    return _totals_payload(totals)


def _totals_payload(totals: dict) -> dict:
    """Column totals as the texts the column header shows."""
    return {
        str(stage_id): {
            "count": ngettext("%(num)d deal", "%(num)d deals", t.count),
            "total": compact_money(t.total),
            "weighted": f"≈ {compact_money(t.weighted)}",
        }
        for stage_id, t in totals.items()
    }


def _shows_tags(user) -> bool:
    """Comfortable cards show their tags, compact ones do not (and skip loading them)."""
    return user.board_density == "comfortable"


def _back() -> str:
    """Where a plain form returns: its ``next`` or the referrer, as a same-site path."""
    target = urlsplit(request.form.get("next") or request.referrer or "")
    same_site = target.netloc in ("", request.host) and not target.path.startswith(("//", "/\\"))
    if target.path.startswith("/") and same_site:
        return urlunsplit(("", "", target.path, target.query, ""))
    return url_for("board.board")


@bp.context_processor
def _card_context() -> dict:
    return card_context()
