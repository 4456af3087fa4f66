"""Two people edit the same account in real Chromium: the stale save is refused, shows what
changed, keeps the typed input, and a second save applies it on purpose."""

from playwright.sync_api import expect

from tests import factories
from webapp.extensions import db
from webapp.models import Account


def test_stale_account_save_shows_conflict_and_keeps_input(new_page, login, sales_user, manager):
    acme = factories.account("Acme", city="Milano", owner_id=sales_user.id)
    mine, theirs = new_page(), new_page()
    login(mine, sales_user)
    login(theirs, manager)
    for page in (mine, theirs):
        page.goto(f"/accounts/{acme.id}/edit")

    theirs.get_by_label("City").fill("Torino")
    theirs.get_by_role("button", name="Save").click()
    theirs.wait_for_url(f"**/accounts/{acme.id}")

    mine.get_by_label("City").fill("Napoli")
    mine.get_by_label("Phone").fill("+39 081 000")
    mine.get_by_role("button", name="Save").click()
    conflict = mine.locator("[data-conflict]")
    expect(conflict).to_contain_text("Someone else changed this account meanwhile")
    expect(conflict.locator("tr", has_text="City")).to_contain_text("Torino")
    expect(conflict.locator("tr", has_text="City")).to_contain_text("Napoli")
    expect(mine.get_by_label("City")).to_have_value("Napoli")
    expect(mine.get_by_label("Phone")).to_have_value("+39 081 000")
    db.session.expire_all()
    assert (db.session.get(Account, acme.id).city, acme.phone) == ("Torino", None)

    mine.get_by_role("button", name="Save").click()
    mine.wait_for_url(f"**/accounts/{acme.id}")
    expect(mine.get_by_text("Account saved.")).to_be_visible()
    db.session.expire_all()
    assert (acme.city, acme.phone) == ("Napoli", "+39 081 000")
