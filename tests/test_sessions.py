"""Server-side sessions: sign-out, password change, deactivation and "sign out everywhere" end
every session and remember-me token at once; remember-me tokens are random, hashed, rotated
and expire; signing in renews the session and the CSRF token."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from webapp.auth import services as auth_services
from webapp.auth.sessions import REMEMBER_COOKIE
from webapp.extensions import db
from webapp.models import Note, UserSession
from webapp.models._base import utcnow

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


@pytest.fixture
def web(make_app):
    """An app whose requests each get their own app context (the ``app`` fixture keeps one
    pushed for the whole test, so ``g`` and Flask-Login's cached user would outlive a
    request)."""
    return make_app()


def _csrf_client(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    return app, app.test_client()


def _login(client, user, *, remember=False):
    page = client.get("/login").data.decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.data
    return token


def _notes() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Note))


def test_a_session_cookie_saved_before_logout_opens_nothing_after(
    make_app, sales_user, create_opportunity
):
    opp = create_opportunity()
    app, client = _csrf_client(make_app)
    _login(client, sales_user)
    page = client.get(f"/opportunities/{opp.id}").data.decode()
    csrf = TOKEN.search(page).group(1)
    stolen = client.get_cookie("session").value
    # the saved cookie and token work while the session lives
    ok = client.post(f"/opportunities/{opp.id}/notes", data={"body": "before"},
                     headers={"X-CSRFToken": csrf, "HX-Request": "true"})
    assert ok.status_code == 200 and _notes() == 1

    client.post("/logout", headers={"X-CSRFToken": csrf})

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    board = thief.get("/board")
    assert board.status_code == 302 and "/login" in board.headers["Location"]
    refused = thief.post(f"/opportunities/{opp.id}/notes", data={"body": "after"},
                         headers={"X-CSRFToken": csrf, "HX-Request": "true"})
    assert refused.status_code in (302, 401), refused.status_code  # the CSRF check passed
    assert _notes() == 1
    row = db.session.scalar(select(UserSession))
    assert row.ended_at is not None


def test_csrf_token_issued_before_login_fails_after_it(make_app, sales_user, create_opportunity):
    opp = create_opportunity()
    app, client = _csrf_client(make_app)
    before = _login(client, sales_user)
    response = client.post(f"/opportunities/{opp.id}/notes", data={"body": "x"},
                           headers={"X-CSRFToken": before, "HX-Request": "true"})
    assert response.status_code == 400 and b"CSRF" in response.data
    assert _notes() == 0
    after = TOKEN.search(client.get(f"/opportunities/{opp.id}").data.decode()).group(1)
    assert after != before


def test_remember_me_token_is_random_hashed_rotated_and_ends_at_logout(web, sales_user, pipeline):
    app, client = web, web.test_client()
    client.post("/login", data={"email": sales_user.email, "password": PASSWORD,
                                "remember": "y"})
    first = client.get_cookie(REMEMBER_COOKIE).value
    row = db.session.scalar(select(UserSession))
    record_id, _, secret = first.partition(":")
    assert int(record_id) == row.id and len(secret) >= 40
    assert secret not in (row.remember_hash or "") and row.remember_hash  # only its hash stored
    assert row.remember_until > utcnow() + timedelta(days=13)

    # a browser restarted: only the remember-me cookie is left
    client.delete_cookie("session")
    assert client.get("/board").status_code == 200
    second = client.get_cookie(REMEMBER_COOKIE).value
    assert second != first  # rotated on use
    other = app.test_client()
    other.set_cookie(REMEMBER_COOKIE, first)  # the old value is spent
    assert other.get("/board").status_code == 302

    client.post("/logout")
    again = app.test_client()
    again.set_cookie(REMEMBER_COOKIE, second)
    assert again.get("/board").status_code == 302
    assert client.get_cookie(REMEMBER_COOKIE) is None


def test_an_expired_remember_me_token_signs_nobody_in(web, sales_user, pipeline):
    client = web.test_client()
    client.post("/login", data={"email": sales_user.email, "password": PASSWORD,
                                "remember": "y"})
    row = db.session.scalar(select(UserSession))
    row.remember_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client.delete_cookie("session")
    assert client.get("/board").status_code == 302


def _two_browsers(app, user):
    """Two browsers signed in as ``user``, one kept signed in."""
    first, second = app.test_client(), app.test_client()
    first.post("/login", data={"email": user.email, "password": PASSWORD})
    second.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert first.get("/board").status_code == second.get("/board").status_code == 200
    return first, second


def _signed_out(app, client) -> bool:
    remembered = app.test_client()
    if cookie := client.get_cookie(REMEMBER_COOKIE):
        remembered.set_cookie(REMEMBER_COOKIE, cookie.value)
    return client.get("/board").status_code == 302 and remembered.get("/board").status_code == 302


def test_password_change_ends_every_other_session_and_keeps_this_one(web, sales_user, pipeline):
    app = web
    first, second = _two_browsers(app, sales_user)
    response = first.post("/profile/security/password", data={
        "current_password": PASSWORD, "new_password": "a new passphrase",
        "confirm_password": "a new passphrase"})
    assert response.status_code == 302
    assert first.get("/board").status_code == 200
    assert _signed_out(app, second)
    db.session.expire_all()
    assert sales_user.check_password("a new passphrase")
    live = db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))).all()
    assert len(live) == 1


def test_sign_out_everywhere_ends_every_session(web, sales_user, pipeline):
    app = web
    first, second = _two_browsers(app, sales_user)
    assert first.post("/profile/security/sessions/end-all").status_code == 302
    assert _signed_out(app, first) and _signed_out(app, second)
    assert db.session.scalar(
        select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))) == 0


def test_deactivation_ends_every_session(web, sales_user, pipeline):
    app = web
    first, second = _two_browsers(app, sales_user)
    auth_services.deactivate_user(sales_user)
    assert _signed_out(app, first) and _signed_out(app, second)


def test_ending_one_session_from_the_security_page(web, sales_user, pipeline):
    app = web
    first, second = _two_browsers(app, sales_user)
    page = first.get("/profile/security").data.decode()
    ids = re.findall(r'data-session="(\d+)"', page)
    assert len(ids) == 2 and "This browser" in page
    other = db.session.scalar(select(UserSession.id).where(UserSession.remember_hash.is_not(None)))
    assert first.post(f"/profile/security/sessions/{other}/end").status_code == 302
    assert _signed_out(app, second)
    assert first.get("/board").status_code == 200
    # someone else's session cannot be ended
    assert first.post("/profile/security/sessions/999999/end").status_code == 302


def test_secure_cookies_and_hsts_over_https(make_app, sales_user, pipeline):
    app = make_app(PREFERRED_URL_SCHEME="https")
    client = app.test_client()
    response = client.post("/login", data={"email": sales_user.email, "password": PASSWORD,
                                           "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)
    assert any(c.startswith(REMEMBER_COOKIE) for c in cookies)
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    plain = make_app().test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers


def test_cli_deactivation_ends_every_session(web, runner, sales_user, pipeline):
    first, second = _two_browsers(web, sales_user)
    result = runner.invoke(args=["users", "deactivate", "--email", "SALES@example.com"])
    assert result.exit_code == 0, result.output
    assert _signed_out(web, first) and _signed_out(web, second)
    assert runner.invoke(args=["users", "deactivate", "--email", "no@x.example"]).exit_code != 0


def test_the_sign_in_check_is_one_query_and_notes_the_last_use(make_app, sales_user, pipeline):
    """Each signed-in request loads the user through its session row in one query (user,
    business lines, the row's id and last use); an old last use is written again."""
    from sqlalchemy import event, update

    web, client = _csrf_client(make_app)
    _login(client, sales_user)
    statements = []
    with web.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert client.get("/board").status_code == 200
    checks = [s for s in statements if "user_sessions" in s]
    assert len(checks) == 1 and "FROM users JOIN user_sessions" in checks[0], checks
    old = utcnow() - timedelta(hours=1)
    db.session.execute(update(UserSession).values(last_seen_at=old))
    db.session.commit()
    assert client.get("/board").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.last_seen_at)) > old + timedelta(minutes=50)
