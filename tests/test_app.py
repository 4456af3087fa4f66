"""App-wide guarantees: health check, login everywhere, CSRF, cookie flags, errors."""

import re

import pytest

PUBLIC = {
    "/login",
    "/healthz",
    "/favicon.ico",
    "/language",  # the sign-in page's language switch
    "/calendar/<int:user_id>/<token>.ics",  # the feed: its URL is the secret
    "/access/<token>",  # an invitation or password-reset link: its URL is the secret
}


def test_healthz_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.data == b"ok"


def test_favicon_is_served_and_linked(client, auth, sales_user):
    response = client.get("/favicon.ico")  # browsers ask before and after login
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    response.close()
    auth.login(sales_user)
    page = client.get("/board").text
    assert 'rel="icon" href="/static/favicon.svg"' in page and 'href="/favicon.ico"' in page
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    svg.close()


def _concrete(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)


def test_every_route_requires_login(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, "is_public", False):
            assert rule.rule in PUBLIC or rule.rule.startswith("/erp-quotes/webhook")
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(_concrete(rule), method=method)
            assert response.status_code in (302, 401), (rule.rule, method, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]
            checked += 1
    assert checked >= 4


def test_state_change_without_csrf_token_is_refused(make_app, sales_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"email": sales_user.email, "password": "x"})
    assert response.status_code == 400
    assert b"CSRF" in response.data


def test_csrf_token_in_header_is_accepted(make_app, sales_user):
    from tests.conftest import PASSWORD

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": sales_user.email, "password": PASSWORD},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 302
    board = client.get("/board").data.decode()
    assert '"X-CSRFToken": "' in board  # htmx sends it on every request from <body>


def test_session_cookie_flags(client, auth, sales_user):
    response = auth.login(sales_user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("path", ["/opportunities/999", "/no-such-page"])
def test_not_found_is_a_page_not_a_trace(client, auth, sales_user, path):
    auth.login(sales_user)
    response = client.get(path)
    assert response.status_code == 404
    assert b"Traceback" not in response.data
    assert b"<html" in response.data
