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
