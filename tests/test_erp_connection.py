"""Admins see the ERP connection's state (never its secret) and test it against a real HTTP
server on 127.0.0.1 (tests/erp_fake.py): working, refused, slow, down, not configured."""

import socket

from tests import factories

from . import erp_fake
from .erp_fake import erp_app_fixture, erp_fixture  # noqa: F401

HX = {"HX-Request": "true"}


def _test(client, line, **headers):
    return client.post(f"/erp-quotes/connection/{line.id}/test", headers=headers)


def test_admin_sees_the_state_and_tests_the_connection(
    erp_app, erp, client, auth, admin, business_line
):
    auth.login(admin)
    tools = client.get("/admin/").text
    assert "/erp-quotes/connection" in tools and "ERP connection" in tools
    page = client.get("/erp-quotes/connection").text
    assert "Configured" in page and "ERPNext" in page
    assert erp.url.removeprefix("http://") in page
    assert erp_fake.API_SECRET not in page and erp_fake.API_KEY not in page

    ok = _test(client, business_line, **HX)
    assert ok.status_code == 200 and "ERPNext at 127.0.0.1" in ok.text
    assert "the connection works" in ok.text and "text-success" in ok.text
    assert len(erp.requests) >= 1 and erp.quotations == {}  # it asked, and created nothing

    erp_app.config["ERP_QUOTES_API_SECRET"] = "wrong"
    refused = _test(client, business_line, **HX)
    assert "refused our credentials" in refused.text and "text-danger" in refused.text
    assert "wrong" not in refused.text
    erp_app.config["ERP_QUOTES_API_SECRET"] = erp_fake.API_SECRET

    erp.delay = 1.0  # the fixture's timeout is 0.5 s
    slow = _test(client, business_line, **HX)
    assert "did not answer within 0.5 seconds" in slow.text
    erp.delay = 0

    plain = _test(client, business_line)  # without JavaScript: a flash on the page
    assert plain.status_code == 302
    assert "the connection works" in client.get("/erp-quotes/connection").text


def test_down_or_not_configured(erp_app, client, auth, admin, business_line):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    erp_app.config["ERP_QUOTES_BASE_URL"] = f"http://127.0.0.1:{port}"  # nobody listens
    auth.login(admin)
    down = _test(client, business_line, **HX)
    assert f"Could not reach the ERP at http://127.0.0.1:{port}" in down.text
    erp_app.config["ERP_QUOTES_BASE_URL"] = ""
    other = factories.business_line("Services")
    page = client.get("/erp-quotes/connection").text
    assert "Not configured" in page and "Services" in page
    missing = _test(client, other, **HX)
    assert "is not configured: set ERP_QUOTES_BASE_URL" in missing.text


def test_only_admins(erp_app, client, auth, sales_user, manager, business_line):
    for user in (sales_user, manager):
        auth.login(user)
        assert client.get("/erp-quotes/connection").status_code == 403
        assert _test(client, business_line, **HX).status_code == 403
        auth.logout()


def test_the_panel_leads_admins_to_the_connection(
    erp_app, client, auth, admin, create_opportunity, business_line
):
    erp_app.config["ERP_QUOTES_BASE_URL"] = ""
    opp = create_opportunity(name="Acme support", account_name="Acme S.p.A.")
    auth.login(admin)
    html = client.get(f"/erp-quotes/opportunities/{opp.id}/panel", headers=HX).text
    assert "not configured yet" in html and 'href="/erp-quotes/connection"' in html
