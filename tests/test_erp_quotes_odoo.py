"""The Odoo provider (``sale.order`` over JSON-RPC) against a fake Odoo on 127.0.0.1."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from plugins.erp_quotes import signatures
from plugins.erp_quotes.models import ErpQuote
from webapp.extensions import db
from webapp.models import Opportunity

from .erp_fake import WEBHOOK_SECRET, FakeOdoo, deal_fixture, erp_app_fixture, erp_fixture  # noqa: F401


@pytest.fixture
def odoo(erp_app):
    server = FakeOdoo().start()
    erp_app.config.update(
        ERP_QUOTES_PROVIDER="odoo",
        ERP_QUOTES_BASE_URL=server.url,
        ERP_QUOTES_DATABASE=server.database,
        ERP_QUOTES_API_KEY=server.login,
        ERP_QUOTES_API_SECRET=server.key,
    )
    yield server
    server.stop()


@pytest.fixture
def seller(auth, sales_user):
    auth.login(sales_user)
    return sales_user


def post(client, url: str):
    return client.post(url, headers={"HX-Request": "true"})


def only_quote(deal) -> ErpQuote:
    db.session.expire_all()
    (quote,) = db.session.scalars(select(ErpQuote).where(ErpQuote.opportunity_id == deal.id))
    return quote


def test_create_makes_a_sale_order_from_the_lines(client, seller, deal, odoo):
    response = post(client, f"/erp-quotes/opportunities/{deal.id}/quotes")

    assert response.status_code == 200
    (order,) = odoo.orders
    assert order["partner_id"] == 7
    assert [line[2]["product_id"] for line in order["order_line"]] == [11, 12]
    assert order["order_line"][0][2]["discount"] == 10.0
    quote = only_quote(deal)
    assert (quote.provider, quote.external_id, quote.status) == ("odoo", "S00001", "draft")
    assert quote.total == Decimal("1200.00") and quote.currency == "EUR"
    assert order["client_order_ref"] == quote.reference
    assert "S00001" in response.get_data(as_text=True)


def test_confirmed_order_is_an_accepted_quote(client, seller, deal, odoo):
    post(client, f"/erp-quotes/opportunities/{deal.id}/quotes")
    odoo.set_state("S00001", "sale")

    html = post(client, f"/erp-quotes/opportunities/{deal.id}/refresh").get_data(as_text=True)

    assert only_quote(deal).status == "accepted"
    assert 'data-offer="close-won"' in html
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1200.00")


def test_refused_credentials_keep_the_request_pending(client, seller, deal, odoo, erp_app):
    erp_app.config["ERP_QUOTES_API_SECRET"] = "wrong"
    html = post(client, f"/erp-quotes/opportunities/{deal.id}/quotes").get_data(as_text=True)

    assert "refused our credentials" in html
    assert only_quote(deal).is_pending and odoo.orders == []


def test_an_unknown_customer_is_a_clear_message(client, seller, deal, odoo):
    odoo.partners.clear()
    html = post(client, f"/erp-quotes/opportunities/{deal.id}/quotes").get_data(as_text=True)
    assert "The ERP has no customer called “Acme S.p.A.”." in html
    assert only_quote(deal).is_pending


def test_retry_after_a_lost_answer_adopts_the_order(client, seller, deal, odoo):
    odoo.products.clear()  # first attempt fails before creating anything
    post(client, f"/erp-quotes/opportunities/{deal.id}/quotes")
    quote = only_quote(deal)
    assert "no product" in quote.last_error
    odoo.products.append({"id": 11, "default_code": "SUP-1", "name": "Support plan"})
    odoo.products.append({"id": 12, "default_code": "TRN-1", "name": "Training day"})

    post(client, f"/erp-quotes/quotes/{quote.id}/retry")

    assert only_quote(deal).external_id == "S00001" and len(odoo.orders) == 1


def test_the_webhook_takes_odoo_documents(client, seller, deal, odoo):
    post(client, f"/erp-quotes/opportunities/{deal.id}/quotes")
    body = json.dumps(odoo.set_state("S00001", "sale")).encode()
    response = client.post(
        "/erp-quotes/webhook",
        data=body,
        headers={signatures.HEADER: signatures.sign(WEBHOOK_SECRET, body)},
    )
    assert response.get_json() == {"ok": True, "quote": "S00001", "status": "accepted"}
    assert only_quote(deal).erp_status == "sale"
