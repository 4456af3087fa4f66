"""Security headers on every response: pages, htmx fragments, errors, static files, JSON."""

import pytest

from webapp.auth.guard import public
from webapp.security_headers import HEADERS

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _check(response):
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["frame-ancestors"] == "'none'"
    assert "camera=()" in response.headers["Permissions-Policy"]
    response.close()  # a static file's response holds the file open


@pytest.mark.parametrize(
    "path, status",
    [
        ("/login", 200),
        ("/healthz", 200),
        ("/board", 302),
        ("/static/css/app.css", 200),
        ("/no-such-page", 404),
    ],
)
def test_anonymous_responses_carry_the_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    _check(response)


def test_pages_fragments_and_errors_carry_the_headers(
    make_app, client, auth, sales_user, create_opportunity
):
    opp = create_opportunity()
    auth.login(sales_user)
    _check(client.get("/board"))
    _check(client.get(f"/opportunities/{opp.id}"))
    fragment = client.get(f"/opportunities/{opp.id}/panels/notes", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"<html" not in fragment.data
    _check(fragment)
    _check(client.get("/opportunities/999999"))  # 404 page
    refused = client.post(f"/opportunities/{opp.id}/notes", data={"body": "x\x00"},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 422
    _check(refused)
    _check(client.post("/erp-quotes/webhook", data=b"{}"))  # JSON 4xx

    csrf_app = make_app(WTF_CSRF_ENABLED=True)
    _check(csrf_app.test_client().post("/login", data={}))  # CSRF 400


def test_a_crash_page_carries_the_headers(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    app.add_url_rule("/crash", "crash", public(lambda: 1 / 0))
    response = app.test_client().get("/crash")
    assert response.status_code == 500 and b"Traceback" not in response.data
    _check(response)


def test_headers_table_has_no_inline_script_allowance():
    assert "unsafe" not in HEADERS["Content-Security-Policy"].split("script-src")[1].split(";")[0]
