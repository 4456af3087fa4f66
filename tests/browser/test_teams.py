"""An admin builds a team in real Chromium: from the admin page to the teams page, a name, a
manager and members picked, saved and read back from the database; then the visibility rule
of the business line is set to "team" on the admin page."""

from playwright.sync_api import expect
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import BusinessLine, Team


def test_admin_creates_a_team_and_sets_the_line_to_team(
    page, login, admin, manager, sales_user, create_user, business_line
):
    ana = create_user(email="ana@example.com", name="Ana Rossi", role="sales")
    login(page, admin)
    page.goto("/admin/")
    page.locator("#visibility").get_by_role("link", name="Teams").click()
    page.wait_for_url("**/admin/teams")
    page.get_by_role("link", name="New team").click()
    page.get_by_label("Name", exact=True).fill("North")
    chooser = page.get_by_label("Manager", exact=True)
    chooser.select_option(label=f"{manager.name} ({manager.email})")
    page.get_by_label(f"{ana.name} {ana.email}").check()
    page.get_by_label(f"{sales_user.name} {sales_user.email}").check()
    page.get_by_role("button", name="Create team").click()
    page.wait_for_url("**/admin/teams")
    expect(page.get_by_text("Team “North” created.")).to_be_visible()
    row = page.locator("tr", has_text="North")
    expect(row).to_contain_text(manager.name)
    expect(row).to_contain_text("Ana Rossi, Sam Sales")

    db.session.expire_all()
    team = db.session.scalar(select(Team).where(Team.name == "North"))
    assert team.manager_id == manager.id
    assert {m.id for m in team.members} == {ana.id, sales_user.id}

    page.goto("/admin/")
    page.locator("#visibility").get_by_label(business_line.name).select_option("team")
    page.locator("#visibility-settings").get_by_role("button", name="Save").click()
    expect(page.locator("#visibility-settings [role=status]")).to_have_text("Saved.")
    db.session.expire_all()
    assert db.session.get(BusinessLine, business_line.id).visibility == "team"
