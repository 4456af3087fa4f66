"""The Quotes panel's actions (htmx, or plain forms without JavaScript) and the ERP webhook."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from webapp import permissions
from webapp.auth.guard import public
from webapp.errors import DomainError, PermissionDenied
from webapp.extensions import csrf, htmx

from . import services, signatures
from .providers import ErpError
from .settings import erp_settings

bp = Blueprint("erp_quotes", __name__, url_prefix="/erp-quotes")
DEAL_CHANGED = "dealChanged"  # the opportunity page's header and timeline listen for it


def render_panel(opp, user, *, error: str | None = None, notice: str | None = None) -> Markup:
    """The panel's markup: every quote version, the offers (close won, drift) and actions."""
    quotes = services.quotes_of(opp)
    settings = erp_settings(opp.business_line_id)
    provider = None
    if settings.configured:
        try:
            provider = services.provider_for(opp, settings)
        except ErpError as exc:
            error = error or exc.message
    accepted = max(
        (q for q in quotes if q.status == "accepted"),
        key=lambda q: (q.accepted_at, q.version),
        default=None,
    )
    return Markup(
        render_template(
            "erp_quotes/_panel.html",
            opp=opp,
            quotes=quotes,
            accepted=accepted,
            drifted=[q for q in quotes if q.drifted],
            provider=provider,
            configured=settings.configured,
            can_edit=permissions.can_edit(user, opp),
            is_admin=permissions.is_admin(user),
            error=error,
            notice=notice,
        )
    )


def _answer(opp, *, error: str | None = None, notice: str | None = None, status: int = 200):
    """htmx: the panel fragment; plain form: back to the deal's page with a message.

    After a success the page's header and timeline refresh themselves (``dealChanged``).
    """
    if htmx:
        headers = {} if error else {"HX-Trigger": DEAL_CHANGED}
        return render_panel(opp, current_user, error=error, notice=notice), status, headers
    if error:
        flash(error, "danger")
    elif notice:
        flash(notice, "success")
    return redirect(url_for("opportunities.detail", opportunity_id=opp.id) + "#erp-quotes")


def _failed(opp, exc: DomainError):
    # ERP failures are swapped in with 200 (htmx swaps 2xx, 409 and 422 only); a refusal
    # stays a 403 (the app's error page or fragment).
    if isinstance(exc, PermissionDenied):
        raise exc
    status = 200 if isinstance(exc, ErpError) else 422
    return _answer(opp, error=exc.message, status=status)


@bp.get("/opportunities/<int:opportunity_id>/panel")
def panel(opportunity_id: int):
    opp = services.get_opportunity(current_user, opportunity_id)
    if htmx:
        return render_panel(opp, current_user)
    return redirect(url_for("opportunities.detail", opportunity_id=opp.id) + "#erp-quotes")


@bp.post("/opportunities/<int:opportunity_id>/quotes")
def create(opportunity_id: int):
    opp = services.get_opportunity(current_user, opportunity_id, for_edit=True)
    try:
        quote = services.request_quote(current_user, opp)
    except DomainError as exc:
        return _failed(opp, exc)
    return _answer(opp, notice=_("Quote %(number)s created in the ERP.", number=quote.number))


@bp.post("/opportunities/<int:opportunity_id>/refresh")
def refresh(opportunity_id: int):
    opp = services.get_opportunity(current_user, opportunity_id)
    try:
        services.refresh_quotes(current_user, opp)
    except DomainError as exc:
        return _failed(opp, exc)
    return _answer(opp, notice=_("Quotes refreshed from the ERP."))


@bp.post("/quotes/<int:quote_id>/retry")
def retry(quote_id: int):
    quote = services.get_quote(current_user, quote_id, for_edit=True)
    try:
        services.retry_quote(current_user, quote)
    except DomainError as exc:
        return _failed(quote.opportunity, exc)
    return _answer(
        quote.opportunity, notice=_("Quote %(number)s created in the ERP.", number=quote.number)
    )


@bp.post("/quotes/<int:quote_id>/discard")
def discard(quote_id: int):
    quote = services.get_quote(current_user, quote_id, for_edit=True)
    opp = quote.opportunity
    try:
        services.discard_quote(current_user, quote)
    except DomainError as exc:
        return _failed(opp, exc)
    return _answer(opp, notice=_("The pending quote request was discarded."))


@bp.post("/quotes/<int:quote_id>/take-total")
def take_total(quote_id: int):
    quote = services.get_quote(current_user, quote_id, for_edit=True)
    try:
        services.take_new_total(current_user, quote)
    except DomainError as exc:
        return _failed(quote.opportunity, exc)
    return _answer(
        quote.opportunity, notice=_("The deal now follows quote %(number)s.", number=quote.number)
    )


@bp.post("/opportunities/<int:opportunity_id>/close-won")
def close_won(opportunity_id: int):
    opp = services.get_opportunity(current_user, opportunity_id, for_edit=True)
    try:
        services.close_won(current_user, opp, request.form.get("version"))
    except DomainError as exc:
        return _failed(opp, exc)
    target = url_for("opportunities.detail", opportunity_id=opp.id)
    if htmx:
        return "", 204, {"HX-Redirect": target}
    flash(_("Deal closed won."), "success")
    return redirect(target)


@bp.post("/webhook")
@public
@csrf.exempt
def webhook():
    """The ERP's status changes, signed (see signatures.py); no login session."""
    if (request.content_length or 0) > services.MAX_BODY_BYTES:
        return jsonify(ok=False, error="The body is too large for a quotation."), 413
    request.max_content_length = services.MAX_BODY_BYTES  # a body without a length, too
    try:
        services.check_webhook_header(request.headers.get(signatures.HEADER))
        quote = services.receive_webhook(
            request.get_data(cache=False), request.headers.get(signatures.HEADER)
        )
    except DomainError as exc:
        return jsonify(ok=False, error=exc.message), exc.status
    return jsonify(ok=True, quote=quote.number, status=quote.status), 200


@bp.get("/connection")
def connection():
    """Admins: the ERP connection of each business line, with a test button."""
    from .connection import connection_states

    return render_template("erp_quotes/connection.html", states=connection_states(current_user))


@bp.post("/connection/<int:business_line_id>/test")
def test_connection(business_line_id: int):
    """Call the ERP once and say what happened (in the row, or as a flash without JS)."""
    from .connection import check_connection

    try:
        message, ok = check_connection(current_user, business_line_id), True
    except ErpError as exc:
        message, ok = exc.message, False
    if htmx:
        return render_template(
            "erp_quotes/_connection_result.html",
            line_id=business_line_id,
            message=message,
            ok=ok,
        )
    flash(message, "success" if ok else "danger")
    return redirect(url_for("erp_quotes.connection"))
