"""Odoo provider: quotations are ``sale.order`` records, through Odoo's JSON-RPC endpoint.

Calls (``POST /jsonrpc``, JSON-RPC 2.0 ``"method": "call"``):
- ``common.authenticate(db, login, api_key, {})`` -> the user id (``false`` when refused);
- ``object.execute_kw(db, uid, api_key, model, method, args, kwargs)`` with
  ``res.partner.search_read`` (the customer by name), ``product.product.search_read``
  (products by ``default_code``, else by name), ``sale.order.create`` (``partner_id``,
  ``client_order_ref`` = our request reference, ``validity_date``, ``order_line`` as
  ``(0, 0, {product_id, name, product_uom_qty, price_unit, discount})`` commands) and
  ``sale.order.search_read`` (``name``, ``state``, ``amount_total``, ``currency_id``,
  ``date_order``, ``write_date``, ``client_order_ref``).
Errors come back with HTTP 200 and an ``error`` object (``data.message``).
Settings: ``api_key`` is the Odoo login, ``api_secret`` its API key, ``database`` the database.

States: ``draft`` -> draft, ``sent`` -> open, ``sale``/``done`` (confirmed: the customer
accepted) -> accepted, ``cancel`` -> cancelled.
"""

import itertools
from datetime import date

from flask_babel import gettext as _

from . import ErpRejected, QuoteDraft, QuoteProvider, RemoteQuote, amount, http, text

MODEL = "sale.order"
READ_FIELDS = [
    "name",
    "state",
    "amount_total",
    "currency_id",
    "date_order",
    "write_date",
    "client_order_ref",
]
STATES = {
    "draft": "draft",
    "sent": "open",
    "sale": "accepted",
    "done": "accepted",
    "cancel": "cancelled",
}
_ids = itertools.count(1)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class OdooProvider(QuoteProvider):
    key = "odoo"
    label = "Odoo"

    def _rpc(self, service: str, method: str, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"service": service, "method": method, "args": list(args)},
            "id": next(_ids),
        }
        response = http.request(self.settings, "POST", "/jsonrpc", json=payload)
        if response.is_error:
            raise ErpRejected(
                _("The ERP answered with an error (HTTP %(status)d).", status=response.status_code),
                response.status_code,
            )
        try:
            body = response.json()
        except ValueError:
            raise ErpRejected(_("The ERP sent an answer we could not read.")) from None
        if body.get("error"):
            error = body["error"]
            detail = (error.get("data") or {}).get("message") or error.get("message") or ""
            raise ErpRejected(_("The ERP refused the request: %(detail)s", detail=detail).strip())
        return body.get("result")

    def _execute(self, model: str, method: str, args: list, kwargs: dict | None = None):
        settings = self.settings
        uid = self._rpc(
            "common", "authenticate", settings.database, settings.api_key, settings.api_secret, {}
        )
        if not uid:
            raise ErpRejected(_("The ERP refused our credentials (check the login and API key)."))
        return self._rpc(
            "object",
            "execute_kw",
            settings.database,
            uid,
            settings.api_secret,
            model,
            method,
            args,
            kwargs or {},
        )

    def parse_document(self, document: dict) -> RemoteQuote:
        name = text(document.get("name"), "name")
        if not name:
            raise ErpRejected(_("The ERP sent a quotation without a name."))
        currency = document.get("currency_id")
        if isinstance(currency, list | tuple):  # many2one: [id, "EUR"]
            currency = currency[1] if len(currency) > 1 else None
        state = text(document.get("state"), "state") or "draft"
        return RemoteQuote(
            external_id=name,
            status=STATES.get(state, "open"),
            erp_status=state,
            total=amount(document.get("amount_total"), "amount_total"),
            currency=currency if isinstance(currency, str) else None,
            quoted_on=_date(text(document.get("date_order"), "date_order")),
            modified=text(document.get("write_date"), "write_date"),
            raw=document,
        )

    def _read(self, domain: list) -> RemoteQuote | None:
        found = self._execute(MODEL, "search_read", [domain], {"fields": READ_FIELDS, "limit": 1})
        return self.parse_document(found[0]) if found else None

    def create_quote(self, draft: QuoteDraft) -> RemoteQuote:
        partners = self._execute(
            "res.partner",
            "search_read",
            [[["name", "=", draft.customer]]],
            {"fields": ["id"], "limit": 1},
        )
        if not partners:
            raise ErpRejected(_("The ERP has no customer called “%(name)s”.", name=draft.customer))
        codes = sorted({line.item_code for line in draft.lines})
        products = self._execute(
            "product.product",
            "search_read",
            [["|", ["default_code", "in", codes], ["name", "in", codes]]],
            {"fields": ["id", "default_code", "name"]},
        )
        by_code = {p.get("default_code") or p["name"]: p["id"] for p in products}
        by_code.update({p["name"]: p["id"] for p in products})
        missing = [code for code in codes if code not in by_code]
        if missing:
            raise ErpRejected(_("The ERP has no product %(codes)s.", codes=", ".join(missing)))
        values = {
            "partner_id": partners[0]["id"],
            "client_order_ref": draft.reference,
            "order_line": [
                [
                    0,
                    0,
                    {
                        "product_id": by_code[line.item_code],
                        "name": line.description,
                        "product_uom_qty": float(line.qty),
                        "price_unit": float(line.rate),
                        "discount": float(line.discount_percentage),
                    },
                ]
                for line in draft.lines
            ],
        }
        if draft.valid_till:
            values["validity_date"] = draft.valid_till.isoformat()
        order_id = self._execute(MODEL, "create", [values])
        created = self._read([["id", "=", order_id]])
        if created is None:
            raise ErpRejected(_("The ERP created the quotation but does not show it."))
        return created

    def find_quote(self, reference: str) -> RemoteQuote | None:
        return self._read([["client_order_ref", "=", reference]])

    def fetch_quote(self, external_id: str) -> RemoteQuote:
        found = self._read([["name", "=", external_id]])
        if found is None:
            raise ErpRejected(_("The ERP does not know quotation %(id)s.", id=external_id), 404)
        return found
