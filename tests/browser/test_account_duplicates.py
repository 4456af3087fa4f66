"""No duplicate accounts by accident, as a person meets it: type part of the name, click the
suggestion, press Create; a near name gets a warning to pick the existing account; a merge
from the account page."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests import factories
from webapp.extensions import db
from webapp.models import Account, Opportunity


def accounts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Account.id)))


def deal_named(name: str) -> Opportunity:
    db.session.expire_all()
    return db.session.scalars(select(Opportunity).where(Opportunity.name == name)).one()


def pick_fiume(scope) -> None:
    """Type "Fiume" in the account picker and click the suggestion "Fiume Foods · Torino"."""
    box = scope.get_by_label("Account", exact=True)
    box.click()
    box.press_sequentially("Fiume", delay=30)
    suggestion = scope.get_by_role("option", name="Fiume Foods · Torino")
    suggestion.click()
    expect(box).to_have_value("Fiume Foods")


@pytest.fixture
def fiume(app):
    factories.account("Lago Fiume Trasporti", city="Genova")  # another suggestion
    return factories.account("Fiume Foods", city="Torino")


def test_navbar_dialog_links_the_clicked_suggestion(page, login, sales_user, pipeline, fiume):
    before = accounts()
    login(page, sales_user)
    page.get_by_role("link", name="+ New deal").click()
    dialog = page.locator("dialog#quick-create")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name").fill("Fiume via dialog")
    pick_fiume(dialog)
    dialog.get_by_role("button", name="Create deal").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    assert deal_named("Fiume via dialog").account_id == fiume.id
    assert accounts() == before


def test_full_form_links_the_clicked_suggestion(page, login, sales_user, pipeline, fiume):
    before = accounts()
    login(page, sales_user)
    page.goto("/opportunities/new")
    page.get_by_label("Name").fill("Fiume via form")
    pick_fiume(page)
    page.get_by_role("button", name="Create deal").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    assert deal_named("Fiume via form").account_id == fiume.id
    assert accounts() == before


def test_near_name_warning_picks_the_existing_account(page, login, sales_user, pipeline, fiume):
    before = accounts()
    login(page, sales_user)
    page.get_by_role("link", name="+ New deal").click()
    dialog = page.locator("dialog#quick-create")
    dialog.get_by_label("Name").fill("Near deal")
    box = dialog.get_by_label("Account", exact=True)
    box.press_sequentially("Fiume Foods srl", delay=20)
    expect(dialog.get_by_role("option", name="Fiume Foods · Torino")).to_be_visible()
    box.press("Escape")  # close the suggestions, keep the typed name
    expect(dialog.locator(".account-results [data-pick-account]")).to_have_count(0)
    expect(box).to_have_value("Fiume Foods srl")
    dialog.get_by_role("button", name="Create deal").click()
    warning = dialog.locator("[data-account-matches]")
    expect(warning).to_contain_text("Is it one of these existing accounts?")
    expect(dialog.get_by_label("Account", exact=True)).to_have_value("Fiume Foods srl")
    assert accounts() == before and db.session.scalar(select(func.count(Opportunity.id))) == 0
    warning.get_by_role("button", name="Fiume Foods · Torino").click()
    expect(dialog.get_by_label("Account", exact=True)).to_have_value("Fiume Foods")
    dialog.get_by_role("button", name="Create deal").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    assert deal_named("Near deal").account_id == fiume.id
    assert accounts() == before


def test_near_name_warning_confirms_a_new_account(page, login, sales_user, pipeline, fiume):
    before = accounts()
    login(page, sales_user)
    page.goto("/opportunities/new")
    page.get_by_label("Name").fill("Really new")
    page.get_by_label("Account", exact=True).press_sequentially("Fiume Foods Sud", delay=20)
    expect(page.get_by_role("option", name="Fiume Foods · Torino")).to_be_visible()
    page.get_by_label("Account", exact=True).press("Escape")
    page.get_by_role("button", name="Create deal").click()
    page.get_by_label("None of these: create “Fiume Foods Sud” as a new account").check()
    page.get_by_role("button", name="Create deal").click()
    page.wait_for_url(re.compile(r"/opportunities/\d+$"))
    assert deal_named("Really new").account.name == "Fiume Foods Sud"
    assert accounts() == before + 1


def test_merge_from_the_account_page(page, login, manager, create_opportunity, fiume):
    dupe = factories.account("Fiume Foods S.r.l.", phone="+39 011 555 0101")
    moved = create_opportunity(name="On the duplicate", account_id=str(dupe.id))
    login(page, manager)
    page.goto(f"/accounts/{fiume.id}")
    page.get_by_role("link", name="Merge with…").click()
    candidates = page.locator("[data-merge-candidates]")
    expect(candidates).to_contain_text("Fiume Foods S.r.l.")
    candidates.get_by_role("link", name="Compare").click()
    form = page.locator("[data-merge-form]")
    expect(form).to_contain_text("+39 011 555 0101")
    phone = form.locator('[data-field="phone"]')
    expect(phone.get_by_role("radio").nth(1)).to_be_checked()  # only the duplicate has one
    form.locator('[data-field="city"]').get_by_role("radio").nth(0).check()
    form.get_by_role("button", name="Merge").click()
    page.wait_for_url(re.compile(rf"/accounts/{fiume.id}$"))
    expect(page.locator("[data-merged]")).to_contain_text("Fiume Foods S.r.l.")
    db.session.expire_all()
    assert db.session.get(Opportunity, moved.id).account_id == fiume.id
    survivor, trashed = db.session.get(Account, fiume.id), db.session.get(Account, dupe.id)
    assert (survivor.phone, survivor.city) == ("+39 011 555 0101", "Torino")
    assert trashed.deleted_at is not None and trashed.merged_into_id == fiume.id
    page.goto(f"/opportunities/{moved.id}")
    expect(page.locator("#panel-timeline, [data-panel=timeline]").first).to_contain_text(
        "Duplicate merged"
    )
