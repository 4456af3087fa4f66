"""ERP quotes plugin against a real (fake) ERPNext HTTP server on 127.0.0.1.

The fake server (tests/erp_fake.py) mirrors ERPNext's ``/api/resource/Quotation`` endpoints
and fields the provider uses; nothing inside the app is mocked.
"""

import json
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from plugins.erp_quotes import signatures
from plugins.erp_quotes.models import ErpQuote, ErpWebhookDelivery
from plugins.erp_quotes.providers import QuoteProvider, RemoteQuote
from plugins.erp_quotes.providers.erpnext import our_status
from webapp.extensions import db
from webapp.hookspecs import hookimpl
from webapp.models import Opportunity, PluginEnablement, Setting, TimelineEntry
from webapp.opportunities import services as opportunities
from webapp.plugins import hook, registry

from . import erp_fake
from .erp_fake import deal_fixture, erp_app_fixture, erp_fixture  # noqa: F401

SECRET = erp_fake.WEBHOOK_SECRET


@pytest.fixture
def seller(auth, sales_user):
    auth.login(sales_user)
    return sales_user


def create_quote(client, opp, **headers) -> object:
    return client.post(
        f"/erp-quotes/opportunities/{opp.id}/quotes", headers={"HX-Request": "true", **headers}
    )


def quotes(opp) -> list[ErpQuote]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ErpQuote).where(ErpQuote.opportunity_id == opp.id).order_by(ErpQuote.version)
        )
    )


def timeline(opp) -> list[TimelineEntry]:
    return list(
        db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.opportunity_id == opp.id)
            .order_by(TimelineEntry.id)
        )
    )


def push(client, document: dict, *, secret=SECRET, timestamp=None, header=None):
    body = json.dumps(document).encode()
    if header is None:
        header = signatures.sign(secret, body, timestamp)
    headers = {"Content-Type": "application/json"}
    if header:
        headers[signatures.HEADER] = header
    return client.post("/erp-quotes/webhook", data=body, headers=headers)


@pytest.fixture
def created(client, seller, deal, erp) -> ErpQuote:
    assert create_quote(client, deal).status_code == 200
    (quote,) = quotes(deal)
    return quote


# --- creating ------------------------------------------------------------------------------


def test_create_sends_an_erpnext_quotation_from_the_product_lines(client, seller, deal, erp):
    response = create_quote(client, deal)

    assert response.status_code == 200
    (call,) = [r for r in erp.requests if r["method"] == "POST"]
    assert call["path"] == "/api/resource/Quotation"
    assert call["authorization"] == f"token {erp_fake.API_KEY}:{erp_fake.API_SECRET}"
    sent = call["json"]
    assert sent["quotation_to"] == "Customer"
    assert sent["party_name"] == "Acme S.p.A."
    assert [
        (i["item_code"], i["qty"], i["price_list_rate"], i["discount_percentage"], i["rate"])
        for i in sent["items"]
    ] == [("SUP-1", 2.0, 500.0, 10.0, 450.0), ("TRN-1", 1.0, 300.0, 0.0, 300.0)]

    (quote,) = quotes(deal)
    assert quote.external_id == f"SAL-QTN-{time.gmtime().tm_year}-00001"
    assert (quote.status, quote.erp_status, quote.total) == ("draft", "Draft", Decimal("1200"))
    assert quote.version == 1 and quote.last_error is None
    html = response.get_data(as_text=True)
    assert quote.external_id in html and "€1,200" in html
    assert f"{erp.url}/app/quotation/{quote.external_id}" in html
    assert any(e.action == "quote" and quote.external_id in e.message for e in timeline(deal))


def test_every_version_is_listed_newest_first(client, seller, deal, erp):
    create_quote(client, deal)
    response = create_quote(client, deal)

    versions = quotes(deal)
    assert [q.version for q in versions] == [1, 2]
    assert len(erp.quotations) == 2
    html = response.get_data(as_text=True)
    assert html.index(versions[1].external_id) < html.index(versions[0].external_id)
    assert "v1" in html and "v2" in html


def test_panel_hook_marks_the_quotes_panel_and_hides_secrets(erp_app, deal, sales_user, created):
    with erp_app.test_request_context():
        panels = hook("opportunity_panels", deal)(opportunity=deal, user=sales_user)
    (panel,) = [p for result in panels for p in result if p["name"] == "quotes"]
    assert panel["title"] == "Quotes"
    assert created.external_id in panel["html"]
    assert erp_fake.API_SECRET not in panel["html"] and SECRET not in panel["html"]


def test_plugin_is_off_until_enabled_for_the_business_line(app, client, seller, deal):
    db.session.execute(PluginEnablement.__table__.delete())
    db.session.commit()
    db.session.expire_all()
    registry().forget_enablement()  # the test's app context outlives one request

    assert create_quote(client, deal).status_code == 404
    assert hook("opportunity_panels", deal)(opportunity=deal, user=seller) == []
    assert quotes(deal) == []


def test_quote_needs_account_and_lines(client, seller, erp_app, create_opportunity, erp):
    bare = create_opportunity(name="No lines", account_name="Acme S.p.A.")
    response = create_quote(client, bare)
    assert response.status_code == 422
    assert "Add product lines" in response.get_data(as_text=True)
    assert quotes(bare) == [] and erp.requests == []


def test_someone_elses_deal_cannot_be_quoted(client, auth, deal, create_user, erp):
    other = create_user(email="other@example.com", role="sales")
    auth.login(other)
    assert create_quote(client, deal).status_code == 403
    assert quotes(deal) == [] and erp.requests == []


def test_the_erp_refusing_the_customer_shows_its_message(client, seller, deal, erp):
    erp.customers.clear()
    html = create_quote(client, deal).get_data(as_text=True)
    assert "HTTP 417" in html and "Could not find Customer: Acme S.p.A." in html
    (quote,) = quotes(deal)
    assert quote.is_pending and "Could not find Customer" in quote.last_error


# --- failures lose nothing -----------------------------------------------------------------


def test_erp_5xx_keeps_the_request_pending_and_a_retry_creates_it_once(client, seller, deal, erp):
    erp.fail_status = 503
    response = create_quote(client, deal)

    assert response.status_code == 200  # swapped into the panel
    html = response.get_data(as_text=True)
    assert "The ERP answered with an error (HTTP 503)" in html
    assert "Site is under maintenance" in html and "Retry" in html
    (quote,) = quotes(deal)
    assert quote.is_pending and quote.external_id is None and erp.quotations == {}
    assert not any(e.action == "quote" for e in timeline(deal))

    erp.fail_status = None
    response = client.post(f"/erp-quotes/quotes/{quote.id}/retry", headers={"HX-Request": "true"})

    assert response.status_code == 200
    (quote,) = quotes(deal)
    assert quote.status == "draft" and quote.last_error is None
    assert list(erp.quotations) == [quote.external_id]


def test_a_slow_erp_times_out_and_the_retry_adopts_the_quote_instead_of_duplicating(
    client, seller, deal, erp
):
    erp.delay = 4.0  # the ERP creates the quote but answers long after our 0.5 s timeout
    started = time.monotonic()
    html = create_quote(client, deal).get_data(as_text=True)

    # We gave up at the timeout instead of waiting for the ERP's answer, 4 s later.
    assert time.monotonic() - started < erp.delay
    assert "did not answer within 0.5 seconds" in html
    (quote,) = quotes(deal)
    assert quote.is_pending
    assert len(erp.quotations) == 1  # the ERP did create it meanwhile

    erp.delay = 0
    client.post(f"/erp-quotes/quotes/{quote.id}/retry", headers={"HX-Request": "true"})

    (quote,) = quotes(deal)
    assert quote.external_id == next(iter(erp.quotations))
    assert len(erp.quotations) == 1
    assert [r["method"] for r in erp.requests] == ["POST", "GET"]


def test_an_unreachable_erp_is_a_clear_message(client, seller, deal, erp_app):
    erp_app.config["ERP_QUOTES_BASE_URL"] = "http://127.0.0.1:9"  # discard port: refused
    html = create_quote(client, deal).get_data(as_text=True)
    assert "Could not reach the ERP at http://127.0.0.1:9" in html
    assert quotes(deal)[0].is_pending


def test_without_javascript_the_failure_is_flashed_on_the_deal_page(client, seller, deal, erp):
    erp.fail_status = 502
    response = client.post(f"/erp-quotes/opportunities/{deal.id}/quotes")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/opportunities/{deal.id}#erp-quotes")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "HTTP 502" in page


def test_discarding_a_pending_request(client, seller, deal, erp):
    erp.fail_status = 500
    create_quote(client, deal)
    (quote,) = quotes(deal)
    client.post(f"/erp-quotes/quotes/{quote.id}/discard", headers={"HX-Request": "true"})
    assert quotes(deal) == []


def test_refresh_failure_changes_nothing(client, seller, deal, erp, created):
    erp.set_status(created.external_id, "Ordered")
    erp.fail_status = 500
    html = client.post(
        f"/erp-quotes/opportunities/{deal.id}/refresh", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "HTTP 500" in html
    assert quotes(deal)[0].status == "draft"
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1200")


# --- acceptance and the amount -------------------------------------------------------------


def test_accepted_quote_sets_the_amount_and_offers_to_close_won(client, seller, deal, erp, created):
    erp.set_total(created.external_id, 1150)
    doc = erp.set_status(created.external_id, "Ordered")
    version_before = db.session.get(Opportunity, deal.id).version

    response = push(client, doc)

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"ok": True, "quote": created.external_id, "status": "accepted"}
    db.session.expire_all()
    opp = db.session.get(Opportunity, deal.id)
    assert opp.amount == Decimal("1150.00") and opp.version == version_before + 1
    entries = timeline(opp)
    amount_entry = next(
        e
        for e in entries
        if e.field == "amount" and e.user_id is None and "accepted quote" in (e.message or "")
    )
    assert amount_entry.new_value == "1150.00"
    assert any(e.action == "quote" and (e.data or {}).get("new") == "accepted" for e in entries)

    panel = client.get(
        f"/erp-quotes/opportunities/{opp.id}/panel", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'data-offer="close-won"' in panel and "Close the deal won" in panel

    response = client.post(
        f"/erp-quotes/opportunities/{opp.id}/close-won",
        data={"version": opp.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/opportunities/{opp.id}"
    db.session.expire_all()
    opp = db.session.get(Opportunity, deal.id)
    assert opp.status == "won" and opp.amount == Decimal("1150.00")


def test_won_takes_the_accepted_quote_total_through_the_amount_hook(
    client, seller, deal, erp, created
):
    push(client, erp.set_status(created.external_id, "Ordered"))
    db.session.expire_all()
    opp = db.session.get(Opportunity, deal.id)
    assert hook("opportunity_amount", opp)(opportunity=opp) == Decimal("1200.00")
    opportunities.update_opportunity(seller, opp, {"amount": "999"})  # someone typed over it

    opportunities.close_won(seller, opp)

    assert opp.amount == Decimal("1200.00")
    assert "Amount taken from the accepted quote" in [e.message for e in timeline(opp)]


def test_amount_hook_answers_none_without_an_accepted_quote(erp_app, deal, created):
    assert hook("opportunity_amount", deal)(opportunity=deal) is None


def test_status_change_notifies_the_quote_status_changed_hook(
    erp_app, client, seller, deal, erp, created
):
    seen = []

    class Listener:
        @staticmethod
        @hookimpl
        def quote_status_changed(quote, old, new):
            seen.append((quote.external_id, old, new))

    pm = erp_app.extensions["opportuno.plugins"].pm
    pm.register(Listener, name="listener")
    db.session.add(PluginEnablement(business_line_id=deal.business_line_id, plugin="listener"))
    db.session.commit()
    registry().forget_enablement()
    try:
        push(client, erp.set_status(created.external_id, "Open"))
    finally:
        pm.unregister(name="listener")
    assert seen == [(created.external_id, "draft", "open")]


# --- drift ---------------------------------------------------------------------------------


def test_a_change_to_an_accepted_quote_shows_a_drift_warning(client, seller, deal, erp, created):
    push(client, erp.set_status(created.external_id, "Ordered"))
    erp.set_total(created.external_id, 1500)

    html = client.post(
        f"/erp-quotes/opportunities/{deal.id}/refresh", headers={"HX-Request": "true"}
    ).get_data(as_text=True)

    assert f'data-drift="{created.external_id}"' in html
    assert "changed quote" in html and "€1,500" in html
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1200.00")  # not silently
    assert any(e.action == "quote_drift" and e.new_value == "1500.00" for e in timeline(deal))

    client.post(f"/erp-quotes/quotes/{created.id}/take-total", headers={"HX-Request": "true"})
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1500.00")
    assert not quotes(deal)[0].drifted


def test_cancelling_an_accepted_quote_in_the_erp_is_drift(client, seller, deal, erp, created):
    push(client, erp.set_status(created.external_id, "Ordered"))
    response = push(client, erp.set_status(created.external_id, "Cancelled", docstatus=2))

    assert response.get_json()["status"] == "cancelled"
    quote = quotes(deal)[0]
    assert quote.drifted
    html = client.get(
        f"/erp-quotes/opportunities/{deal.id}/panel", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert f'data-drift="{created.external_id}"' in html and 'data-offer="close-won"' not in html


# --- webhook security ----------------------------------------------------------------------


def _unchanged(deal, created, before_entries: int) -> None:
    db.session.expire_all()
    assert quotes(deal)[0].status == created.status
    assert len(timeline(deal)) == before_entries
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1200")


@pytest.mark.parametrize(
    ("header", "status", "message"),
    [
        ("", 401, "header is missing"),
        ("v1=abc", 401, "t=<unix seconds> is missing"),
        ("t=123", 401, "v1=<signature> is missing"),
        ("t={now},v1=" + "0" * 64, 401, "does not match"),
    ],
)
def test_unsigned_or_mis_signed_calls_are_refused(
    client, deal, erp, created, header, status, message
):
    before = len(timeline(deal))
    response = push(
        client,
        erp.set_status(created.external_id, "Ordered"),
        header=header.format(now=int(time.time())) or False,
    )
    assert response.status_code == status
    assert message in response.get_json()["error"]
    _unchanged(deal, created, before)


def test_signed_with_another_secret_is_refused(client, deal, erp, created):
    before = len(timeline(deal))
    response = push(client, erp.set_status(created.external_id, "Ordered"), secret="guess")
    assert response.status_code == 401
    _unchanged(deal, created, before)


def test_a_tampered_body_is_refused(client, deal, erp, created):
    before = len(timeline(deal))
    doc = erp.set_status(created.external_id, "Ordered")
    header = signatures.sign(SECRET, json.dumps(doc).encode())
    doc["grand_total"] = 1
    assert push(client, doc, header=header).status_code == 401
    _unchanged(deal, created, before)


@pytest.mark.parametrize("age", [301, -301])
def test_old_or_post_dated_signatures_are_refused(client, deal, erp, created, age):
    before = len(timeline(deal))
    doc = erp.set_status(created.external_id, "Ordered")
    response = push(client, doc, timestamp=int(time.time()) - age)
    assert response.status_code == 401
    assert "expired" in response.get_json()["error"]
    _unchanged(deal, created, before)


def test_a_replayed_call_is_refused(client, deal, erp, created):
    doc = erp.set_status(created.external_id, "Open")
    body = json.dumps(doc).encode()
    header = signatures.sign(SECRET, body)
    first = client.post("/erp-quotes/webhook", data=body, headers={signatures.HEADER: header})
    before = len(timeline(deal))

    again = client.post("/erp-quotes/webhook", data=body, headers={signatures.HEADER: header})

    assert first.status_code == 200
    assert again.status_code == 409 and "Replayed" in again.get_json()["error"]
    assert len(timeline(deal)) == before
    assert db.session.scalar(select(func.count()).select_from(ErpWebhookDelivery)) == 1


def test_unknown_quotes_are_answered_404(client, deal, erp, created):
    response = push(client, {"name": "SAL-QTN-1999-00042", "status": "Ordered", "docstatus": 1})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Unknown quote “SAL-QTN-1999-00042”."


def test_malformed_bodies_are_refused(client, deal, created):
    body = b"not json"
    response = client.post(
        "/erp-quotes/webhook", data=body, headers={signatures.HEADER: signatures.sign(SECRET, body)}
    )
    assert response.status_code == 400
    assert push(client, {"status": "Ordered"}).status_code == 400


def test_without_a_configured_secret_nothing_is_accepted(client, erp_app, deal, erp, created):
    erp_app.config["ERP_QUOTES_WEBHOOK_SECRET"] = ""
    response = push(client, erp.set_status(created.external_id, "Ordered"))
    assert response.status_code == 403
    assert quotes(deal)[0].status == "draft"


def test_an_out_of_order_older_call_is_ignored(client, deal, erp, created):
    older = erp.set_status(created.external_id, "Open")
    newer = erp.set_status(created.external_id, "Lost")
    assert push(client, newer).status_code == 200
    assert push(client, older).status_code == 200
    assert quotes(deal)[0].status == "lost"


def test_webhook_needs_no_session_nor_csrf_but_the_panel_does(
    make_app, erp, business_line, deal, created, sales_user
):
    strict = make_app(
        WTF_CSRF_ENABLED=True,
        ERP_QUOTES_BASE_URL=erp.url,
        ERP_QUOTES_API_KEY=erp_fake.API_KEY,
        ERP_QUOTES_API_SECRET=erp_fake.API_SECRET,
        ERP_QUOTES_WEBHOOK_SECRET=SECRET,
    )
    client = strict.test_client()
    with strict.app_context():
        assert push(client, erp.set_status(created.external_id, "Open")).status_code == 200
        assert client.post(f"/erp-quotes/opportunities/{deal.id}/quotes").status_code == 400
    assert len(quotes(deal)) == 1


# --- pieces --------------------------------------------------------------------------------


def test_signature_round_trip():
    body = b'{"name": "Q"}'
    header = signatures.sign("s3cret", body, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert signatures.verify(header, body, "s3cret", now=1_700_000_100)[0] == 1_700_000_000
    with pytest.raises(signatures.SignatureError):
        signatures.verify(header, body + b" ", "s3cret", now=1_700_000_100)


@pytest.mark.parametrize(
    ("status", "docstatus", "ours"),
    [
        ("Draft", 0, "draft"),
        ("Open", 1, "open"),
        ("Replied", 1, "open"),
        ("Ordered", 1, "accepted"),
        ("Partially Ordered", 1, "accepted"),
        ("Lost", 1, "lost"),
        ("Expired", 1, "expired"),
        ("Cancelled", 2, "cancelled"),
    ],
)
def test_erpnext_statuses_map_onto_ours(status, docstatus, ours):
    assert our_status(status, docstatus) == ours


def test_settings_come_from_the_setting_table_per_business_line(
    app, erp, business_line, deal, client, seller
):
    for key in ("BASE_URL", "API_KEY", "API_SECRET"):
        app.config.pop(f"ERP_QUOTES_{key}")
    db.session.add_all(
        [
            Setting(key="erp_quotes.base_url", value="http://127.0.0.1:9"),
            Setting(key="erp_quotes.base_url", business_line_id=business_line.id, value=erp.url),
            Setting(key="erp_quotes.api_key", value=erp_fake.API_KEY),
            Setting(key="erp_quotes.api_secret", value=erp_fake.API_SECRET),
        ]
    )
    db.session.commit()
    assert create_quote(client, deal).status_code == 200
    assert quotes(deal)[0].status == "draft"


def test_panel_queries_do_not_grow_with_quotes(client, seller, deal, erp, count_queries):
    def panel_queries() -> int:
        db.session.expire_all()
        with count_queries() as q:
            client.get(f"/erp-quotes/opportunities/{deal.id}/panel", headers={"HX-Request": "true"})
        return len(q)

    create_quote(client, deal)
    one = panel_queries()
    for _ in range(4):
        create_quote(client, deal)
    assert panel_queries() == one


def test_a_quote_accepted_after_the_deal_was_won_still_sets_its_amount(
    client, seller, deal, erp, created
):
    opportunities.close_won(seller, db.session.get(Opportunity, deal.id))
    erp.set_total(created.external_id, 1100)
    doc = erp.set_status(created.external_id, "Ordered")

    assert push(client, doc).status_code == 200

    db.session.expire_all()
    opp = db.session.get(Opportunity, deal.id)
    assert opp.status == "won" and opp.amount == Decimal("1100.00")
    html = client.get(
        f"/erp-quotes/opportunities/{deal.id}/panel", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'data-offer="close-won"' not in html  # nothing left to offer


def test_won_after_drift_keeps_the_total_as_accepted(client, seller, deal, erp, created):
    push(client, erp.set_status(created.external_id, "Ordered"))
    push(client, erp.set_total(created.external_id, 1900))
    db.session.expire_all()
    opp = db.session.get(Opportunity, deal.id)
    html = client.get(
        f"/erp-quotes/opportunities/{deal.id}/panel", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "the deal's amount is now €1,200" in html and "€1,900" in html

    opportunities.close_won(seller, opp)

    assert opp.amount == Decimal("1200.00")


def test_without_an_erp_configured_the_panel_says_so(client, seller, deal, erp_app, erp):
    erp_app.config["ERP_QUOTES_BASE_URL"] = ""
    html = client.get(
        f"/erp-quotes/opportunities/{deal.id}/panel", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "The ERP connection is not configured yet" in html
    assert "Admin › ERP connection" in html and 'href="/erp-quotes/connection"' not in html
    assert "Create quote" not in html

    html = create_quote(client, deal).get_data(as_text=True)
    assert "not configured yet" in html
    assert quotes(deal) == [] and erp.requests == []


class EchoProvider(QuoteProvider):
    """A provider from another plugin: quotes everything at once, accepted."""

    key = "echo"
    label = "Echo ERP"

    def create_quote(self, draft):
        total = sum(line.qty * line.rate for line in draft.lines)
        return RemoteQuote(
            external_id=f"ECHO-{draft.reference}", status="open", erp_status="echoed", total=total
        )

    def quote_url(self, external_id):
        return f"https://echo.example/{external_id}"


class EchoPlugin:
    @staticmethod
    @hookimpl
    def register_quote_providers():
        return [EchoProvider]


def test_another_plugin_can_register_a_quote_provider(client, seller, deal, erp_app, erp):
    erp_app.extensions["opportuno.plugins"].pm.register(EchoPlugin, name="echo_erp")
    db.session.add(PluginEnablement(business_line_id=deal.business_line_id, plugin="echo_erp"))
    db.session.commit()
    registry().forget_enablement()
    erp_app.config["ERP_QUOTES_PROVIDER"] = "echo"
    try:
        html = create_quote(client, deal).get_data(as_text=True)
    finally:
        erp_app.extensions["opportuno.plugins"].pm.unregister(name="echo_erp")

    (quote,) = quotes(deal)
    assert (quote.provider, quote.status, quote.erp_status) == ("echo", "open", "echoed")
    assert quote.total == Decimal("1300.00")  # list prices: this ERP ignores discounts
    assert "Open in Echo ERP" in html and erp.requests == []


def test_scheduled_refresh_catches_a_lost_webhook_and_reports_failures(
    runner, client, seller, deal, erp, created
):
    erp.set_status(created.external_id, "Ordered")  # the webhook call never arrived
    result = runner.invoke(args=["erp-quotes", "refresh"])

    assert result.exit_code == 0, result.output
    assert "1 deals read back; 1 quotes changed." in result.output
    db.session.expire_all()
    assert quotes(deal)[0].status == "accepted"
    assert db.session.get(Opportunity, deal.id).amount == Decimal("1200.00")

    erp.fail_status = 503
    result = runner.invoke(args=["erp-quotes", "refresh"])
    assert result.exit_code == 1
    assert "Not refreshed: Acme support" in result.output and "HTTP 503" in result.output


def test_an_oversized_webhook_body_is_refused_unread(client, deal, erp, created):
    doc = erp.set_status(created.external_id, "Ordered")
    doc["padding"] = "x" * 300_000
    response = push(client, doc)
    assert response.status_code == 413
    assert quotes(deal)[0].status == "draft"


def test_the_deal_page_shows_the_quotes_panel_only_where_enabled(client, seller, deal, created):
    page = client.get(f"/opportunities/{deal.id}").get_data(as_text=True)
    assert 'data-panel="quotes"' in page and created.external_id in page

    db.session.execute(PluginEnablement.__table__.delete())
    db.session.commit()
    registry().forget_enablement()
    page = client.get(f"/opportunities/{deal.id}").get_data(as_text=True)
    assert 'data-panel="quotes"' not in page
