"""The ERP quotes webhook refuses (4xx, a short message) every malformed field it reads, and
JSON too deep or too large, changing nothing; well-formed calls still work."""

import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from plugins.erp_quotes import signatures
from plugins.erp_quotes.models import ErpQuote, ErpWebhookDelivery
from webapp.extensions import db
from webapp.models import Opportunity, TimelineEntry

from . import erp_fake
from .erp_fake import deal_fixture, erp_app_fixture, erp_fixture  # noqa: F401

SECRET = erp_fake.WEBHOOK_SECRET


@pytest.fixture
def created(client, auth, sales_user, deal, erp) -> ErpQuote:
    auth.login(sales_user)
    response = client.post(
        f"/erp-quotes/opportunities/{deal.id}/quotes", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    auth.logout()
    return db.session.scalars(select(ErpQuote)).one()


def post(client, body: bytes):
    return client.post(
        "/erp-quotes/webhook",
        data=body,
        headers={
            "Content-Type": "application/json",
            signatures.HEADER: signatures.sign(SECRET, body),
        },
    )


def stored(quote_id: int) -> tuple:
    db.session.expire_all()
    quote = db.session.get(ErpQuote, quote_id)
    entries = db.session.scalar(select(func.count()).select_from(TimelineEntry))
    deliveries = db.session.scalar(select(func.count()).select_from(ErpWebhookDelivery))
    amount = db.session.scalar(select(Opportunity.amount))
    return (
        quote.status,
        quote.total,
        quote.currency,
        quote.erp_modified,
        quote.erp_status,
        entries,
        deliveries,
        amount,
    )


BAD_FIELDS = [
    ("docstatus", "abc"),
    ("docstatus", {"x": 1}),
    ("docstatus", 7),
    ("docstatus", True),
    ("status", {"state": "Ordered"}),
    ("status", ["Ordered"]),
    ("status", "x" * 41),
    ("status", "Ordered\x00"),
    ("grand_total", "abc"),
    ("grand_total", "NaN"),
    ("grand_total", "sNaN"),
    ("grand_total", [1]),
    ("grand_total", 1e20),
    ("grand_total", "9" * 25),
    ("currency", "EURO"),
    ("currency", "E\x00R"),
    ("currency", {"code": "EUR"}),
    ("modified", "2026-01-01 " + "9" * 40),
    ("modified", ["2026-01-01"]),
    ("modified", "2026\x00"),
    ("transaction_date", {"d": 1}),
]


@pytest.mark.parametrize(("field", "value"), BAD_FIELDS)
def test_a_malformed_field_is_refused_and_changes_nothing(client, erp, created, field, value):
    before = stored(created.id)
    document = erp.set_status(created.external_id, "Ordered")
    document[field] = value

    response = post(client, json.dumps(document).encode())

    assert response.status_code == 400
    assert field in response.get_json()["error"]
    assert stored(created.id) == before


@pytest.mark.parametrize(
    "name", ["x" * 141, "SAL\x00QTN", {"name": "SAL-QTN"}, ["SAL-QTN"], True, "\ud800"]
)
def test_a_malformed_quote_name_is_refused(client, created, name):
    before = stored(created.id)
    response = post(client, json.dumps({"name": name, "status": "Ordered"}).encode())
    assert response.status_code == 400
    assert stored(created.id) == before


@pytest.mark.parametrize("depth", [25, 100_000])
def test_json_nested_too_deeply_is_refused(client, created, depth):
    before = stored(created.id)
    body = b'{"name": "x", "data": ' + b"[" * depth + b"]" * depth + b"}"
    response = post(client, body)
    assert response.status_code == 400
    assert "nested too deeply" in response.get_json()["error"]
    assert stored(created.id) == before


def test_a_body_too_large_without_a_length_is_refused(client, erp, created):
    before = stored(created.id)
    document = erp.set_status(created.external_id, "Ordered")
    document["padding"] = "x" * 300_000
    body = json.dumps(document).encode()
    response = client.post(
        "/erp-quotes/webhook",
        input_stream=io.BytesIO(body),  # no Content-Length: read until the end (chunked)
        environ_overrides={"wsgi.input_terminated": True},
        headers={signatures.HEADER: signatures.sign(SECRET, body)},
    )
    assert response.status_code == 413
    assert stored(created.id) == before


def test_numbers_as_text_are_still_read(client, erp, created):
    document = erp.set_status(created.external_id, "Open")
    document["docstatus"] = "1"
    document["grand_total"] = "1250.50"
    assert post(client, json.dumps(document).encode()).status_code == 200
    assert stored(created.id)[:3] == ("open", Decimal("1250.50"), document["currency"])
