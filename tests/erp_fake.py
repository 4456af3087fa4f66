"""A fake ERPNext: a real HTTP server on 127.0.0.1 (port 0) mirroring the part of ERPNext's
REST API that the ERP quotes plugin uses. Nothing here is mocked inside the app: the plugin
talks HTTP to this server exactly as it would to ERPNext.

Mirrored (Frappe REST API v1, doctype ``Quotation``):
- ``POST /api/resource/Quotation``: JSON document with ``quotation_to``, ``party_name``
  (must be a known Customer, else HTTP 417 ``LinkValidationError``), ``title``,
  ``transaction_date``, ``valid_till``, ``currency``, ``order_type``, ``items`` (``item_code``
  must be a known Item, ``qty``, ``price_list_rate``, ``discount_percentage``, ``rate``;
  ``amount`` = qty x rate). Answers ``{"data": doc}`` with ``name`` from the naming series
  ``SAL-QTN-.YYYY.-``, ``docstatus`` 0, ``status`` "Draft", ``grand_total`` (no taxes here),
  ``modified``.
- ``GET /api/resource/Quotation/{name}``: ``{"data": doc}`` or 404 ``DoesNotExistError``.
- ``GET /api/resource/Quotation?fields=[..]&filters=[[doctype, field, op, value]]
  &limit_page_length=N``: ``{"data": [..]}``; operators ``=``, ``like`` (``%`` wildcards), ``in``.
- Token authentication: ``Authorization: token <api_key>:<api_secret>``, else 401.
- Errors carry ``exc_type`` and ``_server_messages`` (a JSON list of JSON-encoded
  ``{"message": ...}``), as Frappe sends them.

Switches for unhappy paths: ``delay`` (seconds slept after doing the work, before answering:
a slow ERP whose answer arrives too late), ``fail_status`` (answer every call with that HTTP
error, doing nothing), and helpers to change a quote as ERPNext users would
(``set_status``, ``set_total``).
"""

import json
import re
import threading
import time
from datetime import date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from webapp.extensions import db
from webapp.models import PluginEnablement, Product
from webapp.opportunities import services as opportunities

API_KEY = "fake-api-key"
API_SECRET = "fake-api-secret"
RESOURCE = "/api/resource/Quotation"


def _frappe_error(exc_type: str, message: str) -> dict:
    return {
        "exc_type": exc_type,
        "exception": f"frappe.exceptions.{exc_type}: {message}",
        "_server_messages": json.dumps([json.dumps({"message": message})]),
    }


def _like(pattern: str, value: str) -> bool:
    regex = "^" + ".*".join(re.escape(part) for part in pattern.split("%")) + "$"
    return re.match(regex, value or "", re.IGNORECASE) is not None


class FakeERPNext:
    def __init__(self, customers=("Acme S.p.A.",), items=None):
        self.customers = set(customers)
        self.items = set(items) if items is not None else None
        self.quotations: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.delay = 0.0
        self.fail_status: int | None = None
        self._lock = threading.Lock()
        self._counter = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> "FakeERPNext":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()

    # --- what ERPNext users do --------------------------------------------------------------

    def _touch(self, doc: dict) -> None:
        doc["modified"] = datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")

    def set_status(self, name: str, status: str, docstatus: int = 1) -> dict:
        doc = self.quotations[name]
        doc["status"], doc["docstatus"] = status, docstatus
        self._touch(doc)
        return dict(doc)

    def set_total(self, name: str, total: float) -> dict:
        doc = self.quotations[name]
        doc["grand_total"] = doc["total"] = doc["net_total"] = total
        self._touch(doc)
        return dict(doc)

    # --- the HTTP side ----------------------------------------------------------------------

    def _create(self, doc: dict) -> tuple[int, dict]:
        if doc.get("party_name") not in self.customers:
            return 417, _frappe_error(
                "LinkValidationError", f"Could not find Customer: {doc.get('party_name')}"
            )
        items = doc.get("items") or []
        if not items:
            return 417, _frappe_error("MandatoryError", "Items are required")
        for item in items:
            if self.items is not None and item.get("item_code") not in self.items:
                return 417, _frappe_error(
                    "LinkValidationError", f"Could not find Item Code: {item.get('item_code')}"
                )
            item["amount"] = round(float(item["qty"]) * float(item["rate"]), 2)
        with self._lock:
            self._counter += 1
            name = f"SAL-QTN-{date.today().year}-{self._counter:05d}"
        total = round(sum(item["amount"] for item in items), 2)
        stored = {
            **doc,
            "doctype": "Quotation",
            "name": name,
            "docstatus": 0,
            "status": "Draft",
            "total": total,
            "net_total": total,
            "grand_total": total,
        }
        self._touch(stored)
        self.quotations[name] = stored
        return 200, {"data": stored}

    def _list(self, query: dict) -> tuple[int, dict]:
        fields = json.loads(query.get("fields", ['["name"]'])[0])
        filters = json.loads(query.get("filters", ["[]"])[0])
        limit = int(query.get("limit_page_length", ["20"])[0])
        found = []
        for doc in self.quotations.values():
            ok = True
            for _doctype, field, op, value in filters:
                actual = doc.get(field)
                if op == "=":
                    ok = ok and actual == value
                elif op == "like":
                    ok = ok and _like(value, str(actual or ""))
                elif op == "in":
                    ok = ok and actual in value
                else:
                    return 417, _frappe_error("ValidationError", f"Unsupported operator {op}")
            if ok:
                found.append({f: doc.get(f) for f in fields})
        return 200, {"data": found[:limit]}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _answer(self, status: int, body: dict) -> None:
                if fake.delay:
                    time.sleep(fake.delay)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (timeout)

            def _route(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                fake.requests.append(
                    {
                        "method": method,
                        "path": url.path,
                        "query": parse_qs(url.query),
                        "json": body,
                        "authorization": self.headers.get("Authorization"),
                    }
                )
                if fake.fail_status:
                    return self._answer(
                        fake.fail_status,
                        _frappe_error("ServiceUnavailable", "Site is under maintenance"),
                    )
                if self.headers.get("Authorization") != f"token {API_KEY}:{API_SECRET}":
                    return self._answer(
                        401, _frappe_error("AuthenticationError", "Invalid API key or secret")
                    )
                if method == "POST" and url.path == RESOURCE:
                    return self._answer(*fake._create(body or {}))
                if method == "GET" and url.path == RESOURCE:
                    return self._answer(*fake._list(parse_qs(url.query)))
                if method == "GET" and url.path.startswith(RESOURCE + "/"):
                    name = unquote(url.path[len(RESOURCE) + 1 :])
                    doc = fake.quotations.get(name)
                    if doc is None:
                        return self._answer(
                            404, _frappe_error("DoesNotExistError", f"Quotation {name} not found")
                        )
                    return self._answer(200, {"data": doc})
                return self._answer(404, _frappe_error("DoesNotExistError", "Not found"))

            def do_GET(self):
                self._route("GET")

            def do_POST(self):
                self._route("POST")

        return Handler


class FakeOdoo:
    """A fake Odoo: ``POST /jsonrpc`` (JSON-RPC 2.0) mirroring ``common.authenticate`` and
    ``object.execute_kw`` on ``res.partner``/``product.product`` (``search_read``) and
    ``sale.order`` (``create``, ``search_read``; ``amount_total`` = sum of qty x price less
    discount; names ``S00001``...). Errors: HTTP 200 with an ``error`` object, as Odoo does.
    """

    def __init__(self, *, database="odoo", login="api@example.com", key="odoo-key"):
        self.database, self.login, self.key = database, login, key
        self.partners = [{"id": 7, "name": "Acme S.p.A."}]
        self.products = [
            {"id": 11, "default_code": "SUP-1", "name": "Support plan"},
            {"id": 12, "default_code": "TRN-1", "name": "Training day"},
        ]
        self.orders: list[dict] = []
        self.calls: list[tuple] = []
        handler = self._handler()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    url = FakeERPNext.url
    start = FakeERPNext.start
    stop = FakeERPNext.stop

    def set_state(self, name: str, state: str) -> dict:
        order = next(o for o in self.orders if o["name"] == name)
        order["state"] = state
        order["write_date"] = datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
        return dict(order)

    def _matches(self, record: dict, domain: list) -> bool:
        if domain and domain[0] == "|":
            return any(self._matches(record, [term]) for term in domain[1:])
        for field, op, value in domain:
            actual = record.get(field)
            if (op == "=" and actual != value) or (op == "in" and actual not in value):
                return False
        return True

    def _execute(self, model: str, method: str, args: list, kwargs: dict):
        records = {
            "res.partner": self.partners,
            "product.product": self.products,
            "sale.order": self.orders,
        }[model]
        if method == "search_read":
            found = [r for r in records if self._matches(r, args[0])]
            fields = kwargs.get("fields")
            found = [{f: r.get(f) for f in fields} if fields else dict(r) for r in found]
            return found[: kwargs["limit"]] if kwargs.get("limit") else found
        if method == "create" and model == "sale.order":
            values = args[0]
            total = 0.0
            for _cmd, _id, line in values["order_line"]:
                total += line["product_uom_qty"] * line["price_unit"] * (1 - line["discount"] / 100)
            order = {
                **values,
                "id": len(self.orders) + 1,
                "name": f"S{len(self.orders) + 1:05d}",
                "state": "draft",
                "amount_total": round(total, 2),
                "currency_id": [1, "EUR"],
                "date_order": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                "write_date": datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f"),
            }
            self.orders.append(order)
            return order["id"]
        raise ValueError(f"{model}.{method} is not mirrored")

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                call = json.loads(self.rfile.read(length))
                params = call["params"]
                fake.calls.append((params["service"], params["method"]))
                answer = {"jsonrpc": "2.0", "id": call.get("id")}
                args = params["args"]
                if params["service"] == "common" and params["method"] == "authenticate":
                    ok = args[:3] == [fake.database, fake.login, fake.key]
                    answer["result"] = 2 if ok else False
                elif args[:3] != [fake.database, 2, fake.key]:
                    answer["error"] = {
                        "code": 100,
                        "message": "Odoo Session Expired",
                        "data": {"message": "Access Denied"},
                    }
                else:
                    try:
                        answer["result"] = fake._execute(*args[3:7])
                    except Exception as exc:  # Odoo answers every server error this way
                        answer["error"] = {
                            "code": 200,
                            "message": "Odoo Server Error",
                            "data": {"name": type(exc).__name__, "message": str(exc)},
                        }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


# --- pytest fixtures shared by the ERP quotes tests (import the *_fixture names) -------------

WEBHOOK_SECRET = "whsec-test-secret"


@pytest.fixture(name="erp")
def erp_fixture():
    server = FakeERPNext(customers={"Acme S.p.A."}, items={"SUP-1", "TRN-1"}).start()
    yield server
    server.stop()


@pytest.fixture(name="erp_app")
def erp_app_fixture(app, erp, business_line):
    app.config.update(
        ERP_QUOTES_BASE_URL=erp.url,
        ERP_QUOTES_API_KEY=API_KEY,
        ERP_QUOTES_API_SECRET=API_SECRET,
        ERP_QUOTES_TIMEOUT="0.5",
        ERP_QUOTES_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    db.session.add(PluginEnablement(business_line_id=business_line.id, plugin="erp_quotes"))
    db.session.commit()
    return app


@pytest.fixture(name="deal")
def deal_fixture(erp_app, create_opportunity, sales_user):
    """An open deal of Acme with two product lines: 2 x 500 at 10% off, 1 x 300 -> 1200."""
    opp = create_opportunity(name="Acme support", account_name="Acme S.p.A.", amount="0")
    support = Product(code="SUP-1", name="Support plan", unit_price=Decimal("500"))
    training = Product(code="TRN-1", name="Training day", unit_price=Decimal("300"))
    db.session.add_all([support, training])
    db.session.commit()
    opportunities.add_line(
        sales_user, opp, {"product_id": support.id, "quantity": "2", "discount": "10"}
    )
    opportunities.add_line(sales_user, opp, {"product_id": training.id, "quantity": "1"})
    return opp
