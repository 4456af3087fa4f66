"""An admin invites a person in Chromium, the person follows the link, chooses a name and a
password and lands signed in; the admin then deactivates them (htmx, with a confirmation)."""

from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User

PASSWORD = "a long new passphrase"


def _user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_invite_accept_and_deactivate(page, new_page, login, admin, business_line):
    login(page, admin)
    page.goto("/admin/")
    page.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    page.get_by_label("Email").fill("nina@example.com")
    page.get_by_label("Name (they may change it)").fill("Nina")
    page.get_by_label("Role").select_option("manager")
    page.get_by_label(business_line.name).check()
    page.get_by_role("button", name="Invite and make a link").click()
    link = page.locator("#issued-link")
    expect(link).to_be_visible()
    expect(page.locator("[data-users] tr", has_text="nina@example.com")).to_contain_text("Invited")
    url = link.input_value()
    assert "/access/" in url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    assert page.evaluate("navigator.clipboard.readText()") == url

    guest = new_page()
    guest.goto(url)
    expect(guest.get_by_role("heading", name="Welcome to Opportuno")).to_be_visible()
    guest.get_by_label("Your name").fill("Nina Neri")
    guest.get_by_label("Password", exact=True).fill("short")
    guest.get_by_label("Password again").fill("short")
    guest.get_by_role("button", name="Save and sign in").click()
    expect(guest.get_by_text("The password needs at least 8 characters.")).to_be_visible()
    expect(guest.get_by_label("Your name")).to_have_value("Nina Neri")
    guest.get_by_label("Password", exact=True).fill(PASSWORD)
    guest.get_by_label("Password again").fill(PASSWORD)
    guest.get_by_role("button", name="Save and sign in").click()
    guest.wait_for_url("**/board**")
    expect(guest.get_by_text("Welcome, Nina Neri: you are signed in.")).to_be_visible()
    joined = _user("nina@example.com")
    assert joined.active and joined.role == "manager" and joined.check_password(PASSWORD)
    assert [line.id for line in joined.business_lines] == [business_line.id]

    page.goto("/admin/users")
    row = page.locator("[data-users] tr", has_text="nina@example.com")
    expect(row).to_contain_text("Active")
    expect(row).not_to_contain_text("Never")
    row.get_by_role("link", name="Nina Neri").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_text("The user is deactivated and signed out everywhere.")).to_be_visible()
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()
    assert _user("nina@example.com").active is False
    guest.goto("/board")
    expect(guest.get_by_role("heading", name="Sign in")).to_be_visible()
