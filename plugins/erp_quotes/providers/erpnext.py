"""ERPNext (Frappe) provider: the ``Quotation`` doctype through Frappe's REST API.

Endpoints used (Frappe REST API v1, ``/api/resource/{doctype}``):
- ``POST /api/resource/Quotation`` with the document as JSON -> ``{"data": {...}}``
- ``GET /api/resource/Quotation/{name}`` -> ``{"data": {...}}``
- ``GET /api/resource/Quotation?fields=[...]&filters=[...]&limit_page_length=N``
  -> ``{"data": [{...}, ...]}``
Authentication: ``Authorization: token <api_key>:<api_secret>``. Errors come back with an
HTTP error status and a JSON body carrying ``exc_type`` and ``_server_messages``.

Quotation fields written: ``quotation_to`` ("Customer"), ``party_name``, ``title`` (carries
our request reference in brackets so a retry finds a quote an earlier, timed-out request
created), ``transaction_date``, ``valid_till``, ``currency``, ``order_type``, ``items``
(``item_code``, ``description``, ``qty``, ``price_list_rate``, ``discount_percentage``,
``rate``). Read: ``name``, ``status``, ``docstatus``, ``grand_total``, ``currency``,
``transaction_date``, ``modified``.

Statuses: a draft (``docstatus`` 0) is "draft"; a cancelled one (``docstatus`` 2) is
"cancelled"; once submitted, ERPNext's ``Ordered``/``Partially Ordered`` (the customer
ordered: the quote was accepted) is "accepted", ``Lost``, ``Expired`` map to themselves and
``Open``/``Replied`` are "open" (sent).
"""

import json
import re
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import httpx
from flask_babel import gettext as _

from . import ErpRejected, QuoteDraft, QuoteProvider, RemoteQuote, amount, http, text

DOCTYPE = "Quotation"
READ_FIELDS = [
    "name",
    "status",
    "docstatus",
    "grand_total",
    "currency",
    "transaction_date",
    "modified",
    "title",
]
STATUS_MAP = {
    "Ordered": "accepted",
    "Partially Ordered": "accepted",
    "Lost": "lost",
    "Expired": "expired",
    "Cancelled": "cancelled",
}
_TAGS = re.compile(r"<[^>]+>")


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def our_status(status: str | None, docstatus) -> str:
    """Our status from ERPNext's ``status`` and ``docstatus`` (0 draft, 1 submitted, 2
    cancelled); ErpRejected for any other docstatus."""
    if docstatus in (None, ""):
        docstatus = 0
    if isinstance(docstatus, bool) or docstatus not in (0, 1, 2, "0", "1", "2"):
        raise ErpRejected(_("The ERP sent an invalid “docstatus”."))
    docstatus = int(docstatus)
    if docstatus == 2:
        return "cancelled"
    if docstatus == 0:
        return "draft"
    return STATUS_MAP.get(status or "", "open")


def error_message(response: httpx.Response) -> str:
    """The ERP's own words from a Frappe error answer, without markup."""
    try:
        body = response.json()
    except ValueError:
        return ""
    messages = []
    try:
        for item in json.loads(body.get("_server_messages") or "[]"):
            messages.append(json.loads(item).get("message", ""))
    except (ValueError, TypeError, AttributeError):
        pass
    if not messages and body.get("exception"):
        messages.append(str(body["exception"]).split(":", 1)[-1])
    if not messages and isinstance(body.get("message"), str):
        messages.append(body["message"])
    return " ".join(_TAGS.sub("", m).strip() for m in messages if m)[:300]


class ERPNextProvider(QuoteProvider):
    key = "erpnext"
    label = "ERPNext"

    def _call(self, method: str, path: str, **kwargs) -> dict:
        settings = self.settings
        token = f"token {settings.api_key}:{settings.api_secret}"
        response = http.request(settings, method, path, headers={"Authorization": token}, **kwargs)
        if response.status_code in (401, 403):
            raise ErpRejected(
                _("The ERP refused our credentials (check the API key and secret)."),
                response.status_code,
            )
        if response.is_error:
            detail = error_message(response)
            raise ErpRejected(
                _(
                    "The ERP answered with an error (HTTP %(status)d): %(detail)s",
                    status=response.status_code,
                    detail=detail,
                )
                if detail
                else _(
                    "The ERP answered with an error (HTTP %(status)d).", status=response.status_code
                ),
                response.status_code,
            )
        try:
            return response.json()
        except ValueError:
            raise ErpRejected(_("The ERP sent an answer we could not read.")) from None

    def parse_document(self, document: dict) -> RemoteQuote:
        name = text(document.get("name"), "name")
        if not name:
            raise ErpRejected(_("The ERP sent a quotation without a name."))
        status = text(document.get("status"), "status")
        return RemoteQuote(
            external_id=name,
            status=our_status(status, document.get("docstatus")),
            erp_status=status or "Draft",
            total=amount(document.get("grand_total"), "grand_total"),
            currency=text(document.get("currency"), "currency"),
            quoted_on=_date(text(document.get("transaction_date"), "transaction_date")),
            modified=text(document.get("modified"), "modified"),
            raw=document,
        )

    def create_quote(self, draft: QuoteDraft) -> RemoteQuote:
        items = []
        for line in draft.lines:
            net = line.rate * (Decimal(100) - line.discount_percentage) / Decimal(100)
            items.append(
                {
                    "item_code": line.item_code,
                    "description": line.description,
                    "qty": float(line.qty),
                    "price_list_rate": float(line.rate),
                    "discount_percentage": float(line.discount_percentage),
                    "rate": float(net.quantize(Decimal("0.01"))),
                }
            )
        document = {
            "quotation_to": "Customer",
            "party_name": draft.customer,
            "title": f"{draft.title} [{draft.reference}]",
            "transaction_date": date.today().isoformat(),
            "currency": draft.currency,
            "order_type": "Sales",
            "items": items,
        }
        if draft.valid_till:
            document["valid_till"] = draft.valid_till.isoformat()
        body = self._call("POST", f"/api/resource/{DOCTYPE}", json=document)
        return self.parse_document(body.get("data") or {})

    def find_quote(self, reference: str) -> RemoteQuote | None:
        body = self._call(
            "GET",
            f"/api/resource/{DOCTYPE}",
            params={
                "fields": json.dumps(READ_FIELDS),
                "filters": json.dumps([[DOCTYPE, "title", "like", f"%[{reference}]%"]]),
                "limit_page_length": 1,
            },
        )
        found = body.get("data") or []
        return self.parse_document(found[0]) if found else None

    def fetch_quote(self, external_id: str) -> RemoteQuote:
        body = self._call("GET", f"/api/resource/{DOCTYPE}/{quote(external_id, safe='')}")
        return self.parse_document(body.get("data") or {})

    def quote_url(self, external_id: str) -> str | None:
        if not self.settings.base_url:
            return None
        return f"{self.settings.base_url}/app/quotation/{quote(external_id, safe='')}"
