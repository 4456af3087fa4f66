from tests.conftest import PASSWORD


def test_login_then_board(client, auth, sales_user, pipeline):
    response = auth.login(sales_user)
    assert response.headers["Location"] == "/"
    page = client.get("/board")
    assert page.status_code == 200
    assert b"Sam Sales" in page.data


def test_wrong_password_keeps_email_and_says_so(client, sales_user):
    response = client.post("/login", data={"email": sales_user.email, "password": "nope"})
    assert response.status_code == 200
    assert b"Wrong email or password." in response.data
    assert sales_user.email.encode() in response.data
    assert client.get("/board").status_code == 302


def test_inactive_user_cannot_log_in(client, create_user):
    from webapp.extensions import db

    user = create_user(email="gone@example.com")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert b"Wrong email or password." in response.data


def test_login_redirect_stays_on_site(client, sales_user):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": sales_user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/opportunities/new", data={"email": sales_user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/opportunities/new"


def test_logout_is_a_post_and_ends_the_session(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    assert client.get("/logout").status_code == 405
    auth.logout()
    assert client.get("/board").status_code == 302


def test_passwords_are_stored_with_scrypt_by_default(tmp_path, monkeypatch):
    """Production hashes with scrypt (the suite's own config picks a cheap method for speed);
    a hash made by another method still checks after the method changes."""
    from webapp import create_app
    from webapp.auth.passwords import hash_password
    from webapp.models import User

    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    with app.app_context():
        stored = hash_password("a long enough secret")
        assert stored.startswith("scrypt:")
        user = User(email="x@example.com", name="X")
        user.set_password("a long enough secret")
        assert user.password_hash.startswith("scrypt:")
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
        assert user.check_password("a long enough secret")
        assert not user.check_password("a long enough secreT")
        user.set_password("another long secret")
        assert user.password_hash.startswith("pbkdf2:sha256:1000$")
        assert user.check_password("another long secret")


def test_the_suite_hashes_by_its_configured_method(sales_user):
    assert sales_user.password_hash.startswith("pbkdf2:sha256:1000$")
