"""A person switches the interface language in real Chromium: from the sign-in page before
signing in, then from their menu; the choice is stored and the page turns right to left."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD
from webapp.extensions import db
from webapp.models import User


def test_switching_language_from_the_sign_in_page_and_the_user_menu(new_page, sales_user):
    page = new_page(locale="en-GB")
    page.goto("/login")
    page.get_by_role("button", name="IT").click()
    expect(page.get_by_role("heading", name="Accedi")).to_be_visible()
    page.get_by_label("Email").fill(sales_user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Accedi").click()
    page.wait_for_url("**/board**")
    expect(page.get_by_role("link", name="Bacheca")).to_be_visible()

    page.get_by_role("button", name=sales_user.name).click()
    page.get_by_role("button", name="فارسی").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.get_by_role("link", name="تابلو")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(User, sales_user.id).locale == "fa"
    overflow = page.evaluate("document.scrollingElement.scrollWidth - innerWidth")
    assert overflow <= 0
