"""Users administered in the app: invitations by one-time link, deactivation, password resets,
roles and business lines; only admins, never leaving no active admin, every action audited."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from tests.test_refusals_write_nothing import fingerprint
from webapp.extensions import db
from webapp.models import AccessLink, AuditEvent, User, UserSession
from webapp.models._base import utcnow

HTMX = {"HX-Request": "true"}
LINK = re.compile(r'value="https?://[^/"]+(/access/[A-Za-z0-9_\-]+)"')
NEW_PASSWORD = "a long new passphrase"


@pytest.fixture
def web(make_app):
    """An app whose requests each get their own app context (see tests/test_sessions.py)."""
    return make_app()


@pytest.fixture
def other_line(app):
    return factories.business_line("Hardware")


def _signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _kinds() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def _invite(client, email="nina@example.com", **data):
    form = {"email": email, "name": "Nina", "role": "sales", **data}
    response = client.post("/admin/users/invite", data=form)
    assert response.status_code == 200, response.text
    return LINK.search(response.text).group(1)


def test_invite_accept_and_sign_in(web, admin, business_line, other_line):
    client = _signed_in(web, admin)
    path = _invite(client, role="manager", business_line_id=[str(other_line.id)])
    invited = _user("nina@example.com")
    assert invited.active is False and invited.role == "manager"
    assert [line.name for line in invited.business_lines] == ["Hardware"]
    link = db.session.scalar(select(AccessLink))
    token = path.rsplit("/", 1)[1]
    assert link.purpose == "invite" and token not in link.token_hash  # stored hashed
    assert timedelta(hours=71) < link.expires_at - utcnow() <= timedelta(hours=72)
    assert "user_invited" in _kinds()
    assert "Nina" in client.get("/admin/users").text

    guest = web.test_client()
    page = guest.get(path)
    assert page.status_code == 200 and 'name="password"' in page.text
    response = guest.post(
        path,
        data={"name": "Nina Neri", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert guest.get("/board").status_code == 200  # signed in
    joined = _user("nina@example.com")
    assert joined.active and joined.name == "Nina Neri" and joined.check_password(NEW_PASSWORD)
    assert db.session.get(AccessLink, link.id).used_at is not None
    assert "invitation_accepted" in _kinds()
    again = web.test_client()
    login = again.post("/login", data={"email": "nina@example.com", "password": NEW_PASSWORD})
    assert login.status_code == 302
    # the used link is refused, with a message
    used = web.test_client().get(path)
    assert used.status_code == 410 and "already been used" in used.text


def test_a_weak_password_keeps_the_typed_name_and_writes_nothing(web, admin):
    path = _invite(_signed_in(web, admin))
    guest = web.test_client()
    before = fingerprint()
    response = guest.post(
        path, data={"name": "Nina Neri", "password": "password1", "confirm_password": "password1"}
    )
    assert response.status_code == 422 and "too common" in response.text
    assert 'value="Nina Neri"' in response.text
    mismatch = guest.post(
        path, data={"name": "Nina", "password": NEW_PASSWORD, "confirm_password": "other one!"}
    )
    assert mismatch.status_code == 422 and "differ" in mismatch.text
    assert fingerprint() == before
    assert _user("nina@example.com").active is False


@pytest.mark.parametrize("how", ["expired", "revoked", "replaced", "unknown"])
def test_lapsed_links_are_refused_with_a_message(web, admin, how):
    client = _signed_in(web, admin)
    path = _invite(client)
    invited = _user("nina@example.com")
    if how == "expired":
        link = db.session.scalar(select(AccessLink))
        link.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        expected = "has expired"
    elif how == "revoked":
        response = client.post(f"/admin/users/{invited.id}/invitation/revoke")
        assert response.status_code == 302
        assert "invitation_revoked" in _kinds()
        expected = "withdrawn"
    elif how == "replaced":
        client.post(f"/admin/users/{invited.id}/invitation")
        expected = "withdrawn"
    else:
        path = path[:-4] + "AAAA"
        expected = "not valid"
    before = fingerprint()
    guest = web.test_client()
    response = guest.post(
        path, data={"name": "Nina", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )
    assert response.status_code in (404, 410) and expected in response.text
    assert guest.get("/board").status_code == 302
    assert fingerprint() == before
    assert _user("nina@example.com").active is False


def test_inviting_an_existing_user_or_bad_input_keeps_the_form_and_writes_nothing(
    web, admin, sales_user
):
    client = _signed_in(web, admin)
    before = fingerprint()
    taken = client.post(
        "/admin/users/invite", data={"email": sales_user.email, "name": "Typed", "role": "sales"}
    )
    assert taken.status_code == 422 and "already exists" in taken.text
    assert 'value="Typed"' in taken.text
    bad = client.post(
        "/admin/users/invite",
        data={"email": "not-an-email", "role": "emperor", "business_line_id": "999"},
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert "valid email" in bad.text and "roles in the list" in bad.text
    assert "business lines from the list" in bad.text
    assert fingerprint() == before


def test_deactivation_ends_a_live_session_and_reactivation_lets_them_back(web, admin, sales_user):
    victim = _signed_in(web, sales_user)
    assert victim.get("/board").status_code == 200
    client = _signed_in(web, admin)
    response = client.post(f"/admin/users/{sales_user.id}/deactivate", headers=HTMX)
    assert response.status_code == 200 and "signed out everywhere" in response.text
    board = victim.get("/board")
    assert board.status_code == 302 and "/login" in board.headers["Location"]
    assert _user(sales_user.email).active is False
    live = db.session.scalar(
        select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == sales_user.id, UserSession.ended_at.is_(None))
    )
    assert live == 0
    refused = web.test_client().post(
        "/login", data={"email": sales_user.email, "password": PASSWORD}
    )
    assert refused.status_code == 200  # the form again: wrong email or password

    client.post(f"/admin/users/{sales_user.id}/reactivate")
    assert _user(sales_user.email).active is True
    assert _signed_in(web, sales_user).get("/board").status_code == 200
    assert _kinds().count("user_deactivated") == 1 and "user_reactivated" in _kinds()


def test_password_reset_link_ends_sessions_and_the_old_password(web, admin, sales_user):
    victim = _signed_in(web, sales_user)
    client = _signed_in(web, admin)
    response = client.post(f"/admin/users/{sales_user.id}/reset-password")
    assert response.status_code == 200
    path = LINK.search(response.text).group(1)
    assert victim.get("/board").status_code == 302
    old = web.test_client().post("/login", data={"email": sales_user.email, "password": PASSWORD})
    assert old.status_code == 200  # the old password no longer works
    guest = web.test_client()
    page = guest.get(path)
    assert page.status_code == 200 and 'name="name"' not in page.text
    done = guest.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert done.status_code == 302 and guest.get("/board").status_code == 200
    assert _user(sales_user.email).check_password(NEW_PASSWORD)
    assert {"password_reset_issued", "password_reset_used"} <= set(_kinds())


def test_role_and_business_lines_are_saved(web, admin, sales_user, business_line, other_line):
    client = _signed_in(web, admin)
    response = client.post(
        f"/admin/users/{sales_user.id}/role", data={"role": "manager"}, headers=HTMX
    )
    assert response.status_code == 200 and "The role is saved." in response.text
    response = client.post(
        f"/admin/users/{sales_user.id}/business-lines",
        data={"business_line_id": [str(business_line.id), str(other_line.id)]},
    )
    assert response.status_code == 302
    user = _user(sales_user.email)
    assert user.role == "manager"
    assert sorted(line.name for line in user.business_lines) == ["Hardware", "Software"]
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.kind for e in events[-2:]] == ["role_changed", "business_lines_changed"]
    assert events[-2].user_id == admin.id and "sales -> manager" in events[-2].detail
    page = client.get("/admin/users").text
    assert "Hardware, Software" in page and "Manager" in page


def test_the_last_active_admin_cannot_demote_or_deactivate_themselves(web, admin, manager):
    client = _signed_in(web, admin)
    before = fingerprint()
    demoted = client.post(f"/admin/users/{admin.id}/role", data={"role": "sales"}, headers=HTMX)
    assert demoted.status_code == 422 and "at least one active administrator" in demoted.text
    gone = client.post(f"/admin/users/{admin.id}/deactivate")
    assert gone.status_code == 422 and "at least one active administrator" in gone.text
    assert fingerprint() == before
    assert _user(admin.email).role == "admin" and _user(admin.email).active

    # with a second admin, stepping down is allowed (and leaves the admin pages)
    client.post(f"/admin/users/{manager.id}/role", data={"role": "admin"})
    response = client.post(f"/admin/users/{admin.id}/role", data={"role": "sales"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _user(admin.email).role == "sales"
    assert client.get("/admin/users").status_code == 403


@pytest.mark.parametrize("who", ["sales_user", "manager"])
def test_non_admins_are_refused_and_nothing_is_written(web, admin, request, who):
    actor = request.getfixturevalue(who)
    client = _signed_in(web, actor)
    path = _invite(_signed_in(web, admin))
    target = _user("nina@example.com")
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{admin.id}").status_code == 403
    before = fingerprint()
    for url, data in (
        ("/admin/users/invite", {"email": "x@example.com", "role": "admin"}),
        (f"/admin/users/{actor.id}/role", {"role": "admin"}),
        (f"/admin/users/{actor.id}/business-lines", {"business_line_id": "1"}),
        (f"/admin/users/{admin.id}/deactivate", {}),
        (f"/admin/users/{admin.id}/reset-password", {}),
        (f"/admin/users/{target.id}/invitation", {}),
        (f"/admin/users/{target.id}/invitation/revoke", {}),
        (f"/admin/users/{target.id}/reactivate", {}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    assert fingerprint() == before
    assert web.test_client().get(path).status_code == 200  # the link still works


def test_admin_actions_need_the_csrf_token(make_app, admin, sales_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    before = fingerprint()
    for url, data in (
        ("/admin/users/invite", {"email": "x@example.com", "role": "sales"}),
        (f"/admin/users/{sales_user.id}/role", {"role": "admin"}),
        (f"/admin/users/{sales_user.id}/deactivate", {}),
        (f"/admin/users/{sales_user.id}/reset-password", {}),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 400 and b"CSRF" in response.data, url
    assert fingerprint() == before
    fresh = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/admin/users").text).group(1)
    ok = client.post(
        f"/admin/users/{sales_user.id}/role",
        data={"role": "manager"},
        headers={"X-CSRFToken": fresh},
    )
    assert ok.status_code == 302 and _user(sales_user.email).role == "manager"


def test_inviting_again_someone_who_never_joined_gives_a_new_link(web, admin, other_line):
    client = _signed_in(web, admin)
    first = _invite(client)
    second = _invite(client, role="manager", business_line_id=[str(other_line.id)])
    assert first != second
    invited = _user("nina@example.com")
    assert invited.role == "manager" and [line.name for line in invited.business_lines] == [
        "Hardware"
    ]
    assert db.session.scalar(select(func.count()).select_from(User)) == 2  # no second account
    assert web.test_client().get(first).status_code == 410
    assert web.test_client().get(second).status_code == 200


def test_the_users_page_runs_as_many_queries_for_many_users(
    client, auth, admin, business_line, count_queries
):
    auth.login(admin)

    def page_queries() -> int:
        with count_queries() as queries:
            assert client.get("/admin/users").status_code == 200
        return len(queries)

    few = page_queries()
    for n in range(6):
        factories.user(email=f"user{n}@example.com", business_lines=[business_line])
    _invite(client, email="late@example.com")
    many = page_queries()
    print(f"users page: {few} queries with 1 user, {many} with 8")
    assert many == few


def test_an_admin_deactivating_themselves_is_signed_out(web, admin, create_user):
    create_user(email="second@example.com", role="admin")
    client = _signed_in(web, admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate", headers=HTMX)
    assert response.headers["HX-Redirect"] == "/login"
    assert client.get("/board").status_code == 302
    assert _user(admin.email).active is False and "user_deactivated" in _kinds()
