"""Quotes of a deal: create them in the ERP, read them back, take in the ERP's status changes.

Nothing is lost when the ERP fails: a quote request is saved ``pending`` (with the lines it
asks for) before the ERP is called; if the ERP is down, slow or answers an error, the request
stays pending with the ERP's message and can be retried. A retry first looks for a quote an
earlier, timed-out attempt may have created (by the request's reference), so the ERP never
gets the same quote twice.
"""

import json
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from webapp import permissions
from webapp.errors import DomainError, NotFound, ValidationError
from webapp.extensions import db
from webapp.inputs import control_characters
from webapp.models import Opportunity, PluginEnablement, User
from webapp.models._base import utcnow
from webapp.opportunities import services as opportunities
from webapp.plugins import flatten, hook, registry
from webapp.timeline.services import record
from webapp.transactions import intent, transactional

from . import signatures
from .models import PENDING, ErpQuote, ErpWebhookDelivery
from .providers import (
    DraftLine,
    ErpError,
    ErpUnavailable,
    QuoteDraft,
    QuoteProvider,
    RemoteQuote,
)
from .settings import ErpSettings, erp_settings, webhook_secret

PLUGIN = "erp_quotes"


class WebhookRejected(DomainError):
    """A webhook call refused; ``status`` is the HTTP answer (4xx), nothing was changed."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# --- lookups --------------------------------------------------------------------------------


def is_enabled(opp: Opportunity) -> bool:
    return PLUGIN in registry().enabled_for(opp.business_line_id)


def get_opportunity(user: User, opportunity_id: int, *, for_edit: bool = False) -> Opportunity:
    """The deal (permission checked) when the plugin is enabled for its business line."""
    opp = opportunities.get_opportunity(user, opportunity_id, for_edit=for_edit)
    if not is_enabled(opp):
        raise NotFound(_("ERP quotes are not enabled for this business line."))
    return opp


def get_quote(user: User, quote_id: int, *, for_edit: bool = False) -> ErpQuote:
    quote = db.session.get(ErpQuote, quote_id)
    if quote is None:
        raise NotFound(_("This quote does not exist."))
    get_opportunity(user, quote.opportunity_id, for_edit=for_edit)
    return quote


def quotes_of(opp: Opportunity) -> list[ErpQuote]:
    """Every version, newest first."""
    return list(
        db.session.scalars(
            select(ErpQuote)
            .where(ErpQuote.opportunity_id == opp.id)
            .order_by(ErpQuote.version.desc())
        )
    )


def accepted_quote(opp: Opportunity) -> ErpQuote | None:
    """The latest quote the ERP marks accepted."""
    return db.session.scalars(
        select(ErpQuote)
        .where(ErpQuote.opportunity_id == opp.id, ErpQuote.status == "accepted")
        .order_by(ErpQuote.accepted_at.desc(), ErpQuote.version.desc())
        .limit(1)
    ).first()


def accepted_amounts():
    """``(opportunity_id, amount)``: the total of each deal's latest accepted quote as it
    was accepted (as ``accepted_quote`` picks it), in one SQL selectable."""
    ranked = (
        select(
            ErpQuote.opportunity_id,
            ErpQuote.accepted_total,
            func.row_number()
            .over(
                partition_by=ErpQuote.opportunity_id,
                order_by=(ErpQuote.accepted_at.desc(), ErpQuote.version.desc()),
            )
            .label("rank"),
        )
        .where(ErpQuote.status == "accepted")
        .subquery()
    )
    return select(ranked.c.opportunity_id, ranked.c.accepted_total.label("amount")).where(
        ranked.c.rank == 1, ranked.c.accepted_total.is_not(None)
    )


def provider_classes(opp: Opportunity | None = None) -> dict[str, object]:
    """Providers registered by the plugins (enabled for the deal's business line)."""
    found = flatten(hook("register_quote_providers", opp)())
    return {provider.key: provider for provider in found}


def provider_for(opp: Opportunity, settings: ErpSettings | None = None) -> QuoteProvider:
    """The provider the deal's business line is set up for, built with its settings."""
    settings = settings or erp_settings(opp.business_line_id)
    provider = provider_classes(opp).get(settings.provider)
    if provider is None:
        raise ErpError(
            _("No quote provider called “%(name)s” is installed.", name=settings.provider)
        )
    return provider(settings) if isinstance(provider, type) else provider


# --- creating quotes ------------------------------------------------------------------------


def build_draft(opp: Opportunity, reference: str) -> QuoteDraft:
    """What the ERP is asked to quote: the deal's account and product lines."""
    problems = {}
    if opp.account is None:
        problems["account_id"] = _("Give the deal an account before asking the ERP for a quote.")
    if not opp.lines:
        problems["lines"] = _("Add product lines to the deal before asking the ERP for a quote.")
    if problems:
        raise ValidationError(problems)
    lines = [
        DraftLine(
            item_code=(line.product.code or line.product.name) if line.product else "",
            description=line.description or (line.product.name if line.product else ""),
            qty=Decimal(line.quantity),
            rate=Decimal(line.unit_price),
            discount_percentage=Decimal(line.discount or 0),
        )
        for line in opp.lines
    ]
    for line in lines:
        if not line.item_code:
            raise ValidationError(
                {
                    "lines": _(
                        "The line “%(line)s” has no product: the ERP needs one.",
                        line=line.description,
                    )
                }
            )
    return QuoteDraft(
        reference=reference,
        title=opp.name,
        customer=opp.account.name,
        currency=opp.currency or "EUR",
        lines=lines,
        valid_till=opp.close_date,
    )


def request_quote(user: User, opp: Opportunity) -> ErpQuote:
    """Save a pending quote request for the deal's current lines, then send it to the ERP.

    Raises ErpError when the ERP failed: the request is then kept pending (committed) with
    the ERP's message, for a retry.
    """
    permissions.require_edit(user, opp)
    provider = provider_for(opp)
    settings = getattr(provider, "settings", None)  # an instance may bring its own set-up
    if settings is not None and not settings.configured:
        raise ErpUnavailable(_("The ERP connection is not configured yet (ERP_QUOTES_BASE_URL)."))
    version = (
        db.session.scalar(
            select(func.max(ErpQuote.version)).where(ErpQuote.opportunity_id == opp.id)
        )
        or 0
    ) + 1
    reference = f"OPP-{opp.id}-{version}-{secrets.token_hex(3)}"
    draft = build_draft(opp, reference)
    quote = ErpQuote(
        opportunity_id=opp.id,
        version=version,
        provider=provider.key,
        reference=reference,
        status=PENDING,
        currency=draft.currency,
        request=draft.to_json(),
        created_by_id=user.id,
    )
    # The request is kept (its own transaction) before the ERP is called, so a timed-out call
    # can be retried and adopted by its reference instead of quoting twice.
    try:
        with intent():
            db.session.add(quote)
    except IntegrityError:  # someone asked for the same version at the same moment
        raise ValidationError(
            {"quote": _("Another quote request for this deal was just made: refresh and retry.")}
        ) from None
    return _send(user, quote, provider, first_attempt=True)


def retry_quote(user: User, quote: ErpQuote) -> ErpQuote:
    """Send a pending request again (adopting the quote if a timed-out attempt created it)."""
    opp = quote.opportunity
    permissions.require_edit(user, opp)
    if not quote.is_pending:
        raise ValidationError(
            {"quote": _("Quote %(number)s is already in the ERP.", number=quote.number)}
        )
    return _send(user, quote, provider_for(opp), first_attempt=False)


def _send(user: User, quote: ErpQuote, provider: QuoteProvider, *, first_attempt: bool):
    draft = QuoteDraft.from_json(quote.request)
    try:
        remote = None if first_attempt else provider.find_quote(draft.reference)
        if remote is None:
            remote = provider.create_quote(draft)
    except ErpError as exc:
        with intent():
            quote.last_error = exc.message
        raise
    with intent(quote.opportunity):
        _confirm(quote, remote, user)
    return quote


def _confirm(quote: ErpQuote, remote: RemoteQuote, user: User | None) -> None:
    """A pending request the ERP now holds: take its number and figures."""
    quote.external_id = remote.external_id
    quote.last_error = None
    record(
        quote.opportunity,
        user,
        "quote",
        message=f"Quote {remote.external_id} (version {quote.version}) created in the ERP",
        new=remote.total,
        data={"quote_id": quote.id, "external_id": remote.external_id},
    )
    apply_remote(quote, remote, user=user, announce=False)


@transactional
def discard_quote(user: User, quote: ErpQuote) -> None:
    """Drop a pending request the ERP never confirmed."""
    permissions.require_edit(user, quote.opportunity)
    if not quote.is_pending:
        raise ValidationError({"quote": _("Only a pending request can be discarded.")})
    db.session.delete(quote)


# --- reading quotes back --------------------------------------------------------------------


def refresh_quotes(user: User, opp: Opportunity) -> list[ErpQuote]:
    """Read every quote of the deal from the ERP; pending ones are looked up by reference.

    Stops at the first ERP failure (raising ErpError); what was read until then is kept.
    Anyone who sees the deal may, read-only users excepted (the quotes it reads are saved).
    """
    permissions.require_write(user)
    permissions.require_view(user, opp)
    quotes = quotes_of(opp)
    _refresh(opp, quotes, user)
    return quotes


def _refresh(opp: Opportunity, quotes: list[ErpQuote], user: User | None) -> int:
    """Read ``quotes`` back from the ERP, each in its own transaction (what was read before
    an ERP failure is kept); the number that changed."""
    provider = provider_for(opp)
    changed = 0
    for quote in quotes:
        with intent(opp):
            if quote.is_pending:
                remote = provider.find_quote(quote.reference)
                if remote is not None:
                    _confirm(quote, remote, user)
                    changed += 1
            else:
                changed += apply_remote(quote, provider.fetch_quote(quote.external_id), user=user)
    return changed


LIVE_STATUSES = (PENDING, "draft", "open", "accepted")


def refresh_open_deals() -> dict[str, object]:
    """Read back the live quotes of every open deal where the plugin is on (a scheduled safety
    net for webhook calls that never arrived). One deal's ERP failure does not stop the rest.
    """
    enabled_lines = select(PluginEnablement.business_line_id).where(
        PluginEnablement.plugin == PLUGIN, PluginEnablement.enabled.is_(True)
    )
    live = (
        select(ErpQuote)
        .join(Opportunity, Opportunity.id == ErpQuote.opportunity_id)
        .where(
            ErpQuote.status.in_(LIVE_STATUSES),
            Opportunity.status == "open",
            Opportunity.deleted_at.is_(None),
            Opportunity.business_line_id.in_(enabled_lines),
        )
        .order_by(ErpQuote.opportunity_id, ErpQuote.version)
    )
    by_deal: dict[int, list[ErpQuote]] = {}
    for quote in db.session.scalars(live):
        by_deal.setdefault(quote.opportunity_id, []).append(quote)
    report: dict[str, object] = {"deals": len(by_deal), "changed": 0, "failures": []}
    for quotes in by_deal.values():
        opp = quotes[0].opportunity
        try:
            report["changed"] += _refresh(opp, quotes, None)
        except DomainError as exc:
            report["failures"].append(f"{opp.name} (#{opp.id}): {exc.message}")
    return report


def apply_remote(
    quote: ErpQuote, remote: RemoteQuote, *, user: User | None, announce: bool = True
) -> bool:
    """Take the ERP's view of a quote; True when its status or total changed.

    Acceptance sets the deal's amount (open or won) to the quote's total, said in the timeline;
    a change to a quote accepted earlier is recorded as drift. Flushes, does not commit.
    """
    opp = quote.opportunity
    old_status, old_total = quote.status, quote.total
    was_drifted = quote.drifted
    quote.status = remote.status
    quote.erp_status = remote.erp_status
    quote.total = remote.total
    quote.currency = remote.currency or quote.currency
    quote.quoted_on = remote.quoted_on or quote.quoted_on
    quote.erp_modified = remote.modified or quote.erp_modified
    changed = (old_status, old_total) != (quote.status, quote.total)
    who = "" if user else " (from the ERP)"

    if old_status != quote.status and announce:
        record(
            opp,
            user,
            "quote",
            message=f"Quote {quote.number}: {old_status} → {quote.status}{who}",
            data={"quote_id": quote.id, "old": old_status, "new": quote.status},
        )
    if quote.status == "accepted" and quote.accepted_at is None:
        _accept(quote, user)
    elif quote.accepted_at is not None and quote.drifted and (changed or not was_drifted):
        record(
            opp,
            user,
            "quote_drift",
            field="quote_total",
            old=quote.accepted_total,
            new=quote.total,
            message=f"The ERP changed accepted quote {quote.number} (now {quote.status})",
            data={"quote_id": quote.id},
        )
    db.session.flush()
    if old_status != quote.status:
        hook("quote_status_changed", opp)(quote=quote, old=old_status, new=quote.status)
    return changed


def _accept(quote: ErpQuote, user: User | None) -> None:
    """The deal (open, or already won) takes the accepted quote's total as its amount."""
    opp = quote.opportunity
    quote.accepted_at = utcnow()
    quote.accepted_total = quote.total
    if opp.status != "lost" and quote.total is not None and quote.total != opp.amount:
        record(
            opp,
            user,
            "updated",
            field="amount",
            old=opp.amount,
            new=quote.total,
            message=f"Amount taken from the accepted quote {quote.number}",
        )
        opp.amount = quote.total
        opp.amount_manual = True
        if user is not None:
            opp.updated_by_id = user.id


@transactional
def take_new_total(user: User, quote: ErpQuote) -> ErpQuote:
    """After drift: accept the ERP's current total of a still-accepted quote."""
    permissions.require_edit(user, quote.opportunity)
    if quote.status != "accepted" or not quote.drifted:
        raise ValidationError(
            {"quote": _("Quote %(number)s has nothing new to take.", number=quote.number)}
        )
    quote.accepted_at = None
    _accept(quote, user)
    return quote


def close_won(user: User, opp: Opportunity, version=None) -> Opportunity:
    """Close the deal won (the core takes the accepted quote's total through the hook)."""
    return opportunities.close_won(user, opp, version)


# --- webhook --------------------------------------------------------------------------------


def check_webhook_header(signature: str | None, now: float | None = None) -> None:
    """Refuse (WebhookRejected) a call that no body could make valid: no secret configured,
    or a missing, malformed or expired signature header; checked before reading the body."""
    if not webhook_secret():
        raise WebhookRejected("The webhook secret is not configured: every call is refused.", 403)
    try:
        signatures.parse(signature, now)
    except signatures.SignatureError as exc:
        raise WebhookRejected(exc.message, exc.status) from None


def receive_webhook(body: bytes, signature: str | None, now: float | None = None) -> ErpQuote:
    """Take a status change the ERP pushed. WebhookRejected (4xx) leaves everything unchanged."""
    secret = webhook_secret()
    if not secret:
        raise WebhookRejected("The webhook secret is not configured: every call is refused.", 403)
    try:
        timestamp, digest = signatures.verify(signature, body, secret, now)
    except signatures.SignatureError as exc:
        raise WebhookRejected(exc.message, exc.status) from None
    if db.session.scalar(
        select(ErpWebhookDelivery.id).where(ErpWebhookDelivery.signature == digest)
    ):
        raise WebhookRejected("Replayed call: this signature was already received.", 409)
    payload = _json(body)
    document = payload.get("data") if isinstance(payload, dict) else None
    document = document if isinstance(document, dict) else payload
    name = document.get("name") if isinstance(document, dict) else None
    if isinstance(name, int) and not isinstance(name, bool):
        name = str(name)
    if not isinstance(name, str) or not name:
        raise WebhookRejected("The body must be a quotation document with its “name”.")
    if len(name) > RemoteQuote.LIMITS["external_id"] or control_characters(name):
        raise WebhookRejected("The quotation's “name” is not a valid quote name.")
    quote = db.session.scalars(select(ErpQuote).where(ErpQuote.external_id == name)).first()
    if quote is None or not is_enabled(quote.opportunity):
        raise WebhookRejected(f"Unknown quote “{name}”.", 404)
    try:
        remote = provider_for(quote.opportunity).parse_document(document)
    except ErpError as exc:
        raise WebhookRejected(exc.message) from None

    try:
        with intent(quote.opportunity):
            db.session.add(ErpWebhookDelivery(signature=digest, signed_at=_utc(timestamp)))
            db.session.execute(
                delete(ErpWebhookDelivery).where(
                    ErpWebhookDelivery.signed_at
                    < utcnow() - timedelta(seconds=2 * signatures.TOLERANCE)
                )
            )
            if not _is_older(remote, quote):
                apply_remote(quote, remote, user=None)
    except IntegrityError:
        raise WebhookRejected("Replayed call: this signature was already received.", 409) from None
    return quote


MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 20


def _json(body: bytes):
    """The JSON body, or WebhookRejected (400) when it is not JSON, too large or too deep."""
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRejected("The body is too large for a quotation.", 413)
    try:
        payload = json.loads(body)
    except RecursionError:
        raise WebhookRejected("The JSON body is nested too deeply.") from None
    except ValueError:
        raise WebhookRejected("The body is not JSON.") from None
    level, nodes = 0, [payload]
    while nodes:
        level += 1
        if level > MAX_JSON_DEPTH:
            raise WebhookRejected("The JSON body is nested too deeply.")
        nodes = [
            child
            for node in nodes
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
    return payload


def _utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC).replace(tzinfo=None)


def _is_older(remote: RemoteQuote, quote: ErpQuote) -> bool:
    """A call about an older version of the quote than the one we hold (out of order)."""
    return bool(remote.modified and quote.erp_modified and remote.modified < quote.erp_modified)
