"""Login throttling per account and per address, held in the database; the same work and
answer for known and unknown users; the password policy."""

import re
import uuid

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from webapp.auth import passwords, services
from webapp.extensions import db
from webapp.models import AuditEvent, LoginThrottle

THROTTLED = b"Too many failed sign-ins"


def _try(client, email, password="wrong password", address="10.0.0.1"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


@pytest.fixture(params=["database", "redis"])
def store(request) -> dict:
    """The throttles' storage: the database, or a real Redis on 127.0.0.1 (own key prefix)."""
    if request.param == "database":
        yield {}
        return
    import redis

    url, prefix = "redis://127.0.0.1:6379/12", f"opportuno-test:{uuid.uuid4().hex}"
    connection = redis.Redis.from_url(url)
    connection.ping()
    yield {"LOGIN_THROTTLE_URL": url, "LOGIN_THROTTLE_PREFIX": prefix}
    for key in connection.scan_iter(f"{prefix}:*"):
        connection.delete(key)


def test_repeated_failures_block_the_account_even_with_the_right_password(
    make_app, store, sales_user, pipeline
):
    # A first block of a minute: a busy machine must not outlast it between two requests.
    store = {**store, "LOGIN_FIRST_DELAY": 60}
    client = make_app(**store).test_client()
    for _ in range(5):
        assert _try(client, sales_user.email).status_code == 200
    assert _try(client, sales_user.email).status_code == 200  # the 6th failure sets a delay
    blocked = _try(client, sales_user.email, PASSWORD)
    assert blocked.status_code == 429 and THROTTLED in blocked.data
    assert re.search(rb"Wait (59|60) seconds,", blocked.data)
    assert sales_user.email.encode() in blocked.data  # the typed email stays
    assert client.get("/board").status_code == 302
    # held in the database: another app (another worker, or after a restart) refuses too
    other = make_app(**store).test_client()
    assert _try(other, sales_user.email, PASSWORD, address="10.0.0.2").status_code == 429
    kinds = db.session.scalars(select(AuditEvent.kind)).all()
    assert kinds.count("sign_in_failed") == 6 and "sign_in_throttled" in kinds
    stored_rows = db.session.scalar(select(func.count()).select_from(LoginThrottle))
    assert stored_rows == (2 if "LOGIN_THROTTLE_URL" not in store else 0)  # account and address


def test_the_delay_grows_with_each_failure(app, make_app, sales_user, pipeline):
    client = make_app().test_client()
    for _ in range(6):
        _try(client, sales_user.email)
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.scope == "account"))
    first = row.blocked_until - row.last_failure_at
    row.blocked_until = None  # let the next try through, as time passing would
    db.session.commit()
    _try(client, sales_user.email)
    db.session.expire_all()
    second = row.blocked_until - row.last_failure_at
    assert row.failures == 7 and second == 2 * first


def test_a_success_clears_the_account_count(make_app, sales_user, pipeline):
    client = make_app().test_client()
    for _ in range(4):
        _try(client, sales_user.email)
    assert _try(client, sales_user.email, PASSWORD).status_code == 302
    assert db.session.get(LoginThrottle, ("account", _account_key(sales_user.email))) is None


def _account_key(email):
    from webapp.auth.throttle import _digest

    return _digest(email)


def test_one_address_trying_many_accounts_is_blocked(make_app, sales_user, pipeline):
    client = make_app(LOGIN_ADDRESS_FREE_FAILURES=3).test_client()
    for n in range(4):
        _try(client, f"nobody{n}@example.com", address="10.9.9.9")
    assert _try(client, sales_user.email, PASSWORD, address="10.9.9.9").status_code == 429
    assert _try(client, sales_user.email, PASSWORD, address="10.9.9.8").status_code == 302


def test_known_and_unknown_users_cost_one_hash_check_each(app, sales_user, monkeypatch):
    """No enumeration by timing: an unknown or inactive email runs a hash check too (counted,
    not timed)."""
    import webapp.auth.services as module
    import webapp.models.user as user_module

    calls = []
    real = module.check_password_hash

    def counting(hash_, password):
        calls.append(hash_.split("$")[0])
        return real(hash_, password)

    monkeypatch.setattr(module, "check_password_hash", counting)
    monkeypatch.setattr(user_module, "check_password_hash", counting)
    assert services.authenticate(sales_user.email, "wrong") is None
    assert services.authenticate("nobody@example.com", "wrong") is None
    assert len(calls) == 2 and calls[0] == calls[1]  # the same method and cost


def test_unknown_and_wrong_password_answer_alike(make_app, sales_user, pipeline):
    client = make_app().test_client()
    known = _try(client, sales_user.email)
    unknown = _try(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert b"Wrong email or password." in known.data and b"Wrong email or password." in unknown.data


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "The password needs at least 8 characters."),
        ("password1", str(passwords.TOO_COMMON)),
        ("Qwertyuiop", str(passwords.TOO_COMMON)),
        ("x" * 1025, "The password may have at most 1024 characters."),
        ("newperson", str(passwords.LIKE_EMAIL)),
    ],
)
def test_cli_users_create_applies_the_password_policy(runner, password, message):
    result = runner.invoke(
        args=["users", "create", "--email", "newperson@example.com", "--password", password]
    )
    assert result.exit_code != 0 and message in result.output
    from webapp.models import User

    assert db.session.scalar(select(User)) is None


def test_password_change_applies_the_policy_and_keeps_the_old_one(make_app, sales_user, pipeline):
    client = make_app().test_client()
    client.post("/login", data={"email": sales_user.email, "password": PASSWORD})
    response = client.post(
        "/profile/security/password",
        data={
            "current_password": PASSWORD,
            "new_password": "iloveyou1",
            "confirm_password": "iloveyou1",
        },
    )
    assert response.status_code == 422 and str(passwords.TOO_COMMON).encode() in response.data
    wrong = client.post(
        "/profile/security/password",
        data={
            "current_password": "nope",
            "new_password": "a fine passphrase",
            "confirm_password": "a fine passphrase",
        },
    )
    assert wrong.status_code == 422 and b"The current password is wrong." in wrong.data
    differ = client.post(
        "/profile/security/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a fine passphrase",
            "confirm_password": "another passphrase",
        },
    )
    assert differ.status_code == 422 and b"The two new passwords differ." in differ.data
    db.session.expire_all()
    assert sales_user.check_password(PASSWORD)
    assert client.get("/board").status_code == 200  # refusals end no session
