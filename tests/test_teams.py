"""/admin/teams (admins keep teams; a team's manager may look at it) and the business lines'
visibility rule on the admin page (admins only)."""

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import AuditEvent, BusinessLine, Team, User

HTMX = {"HX-Request": "true"}


def fingerprint() -> tuple:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    ) + tuple(db.session.execute(select(Team.id, Team.name, Team.manager_id)).all())


def team_named(name: str) -> Team | None:
    db.session.expire_all()
    return db.session.scalar(select(Team).where(Team.name == name))


@pytest.fixture
def staff(admin, manager, sales_user, create_user):
    return {
        "admin": admin,
        "manager": manager,
        "sales": sales_user,
        "ana": create_user(email="ana@example.com", name="Ana", role="sales"),
        "bob": create_user(email="bob@example.com", name="Bob", role="sales"),
    }


def test_admin_creates_renames_and_deletes_a_team(client, auth, staff):
    auth.login(staff["admin"])
    page = client.get("/admin/teams/new")
    assert page.status_code == 200 and 'name="member_ids"' in page.text
    response = client.post(
        "/admin/teams/new",
        data={
            "name": "North",
            "manager_id": str(staff["manager"].id),
            "member_ids": [str(staff["ana"].id), str(staff["bob"].id)],
        },
    )
    assert response.status_code == 302
    north = team_named("North")
    assert north.manager_id == staff["manager"].id
    assert {m.email for m in north.members} == {"ana@example.com", "bob@example.com"}
    listing = client.get("/admin/teams").text
    assert "North" in listing and "Mia Manager" in listing and "Ana, Bob" in listing

    response = client.post(
        f"/admin/teams/{north.id}",
        data={"name": "North-East", "manager_id": "", "member_ids": [str(staff["bob"].id)]},
    )
    assert response.status_code == 302
    renamed = team_named("North-East")
    assert renamed.id == north.id and renamed.manager_id is None
    assert [m.email for m in renamed.members] == ["bob@example.com"]

    assert client.post(f"/admin/teams/{north.id}/delete").status_code == 302
    assert team_named("North-East") is None
    assert db.session.get(User, staff["bob"].id) is not None  # members stay
    kinds = db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()
    assert kinds.count("team_saved") == 2 and kinds[-1] == "team_deleted"


def test_joining_a_team_leaves_the_previous_one(client, auth, staff):
    db.session.add(Team(name="South", members=[staff["ana"]]))
    db.session.commit()
    auth.login(staff["admin"])
    page = client.get("/admin/teams/new").text
    assert "now in South" in page
    client.post("/admin/teams/new", data={"name": "West", "member_ids": [str(staff["ana"].id)]})
    assert [m.email for m in team_named("West").members] == ["ana@example.com"]
    assert team_named("South").members == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "south"}, "name", "Another team already has this name."),
        ({"name": "East", "manager_id": "999999"}, "manager", "Choose an active user"),
        ({"name": "East", "member_ids": ["999999"]}, "members", "Choose the members"),
        ({"name": "East", "member_ids": ["abc"]}, "members", "Choose the members"),
        ({"name": "x" * 121}, "name", "At most 120 characters."),
    ],
)
def test_invalid_team_keeps_the_input_and_writes_nothing(client, auth, staff, data, field, message):
    db.session.add(Team(name="South", members=[staff["ana"]]))
    db.session.commit()
    auth.login(staff["admin"])
    before = fingerprint()
    bob_kept = "member_ids" not in data
    data = {"manager_id": "", "member_ids": [str(staff["bob"].id)], **data}
    response = client.post("/admin/teams/new", data=data)
    assert response.status_code == 422
    assert message in response.text and f'id="team-{field}-error"' in response.text
    assert f'value="{data["name"]}"' in response.text  # the typed name stays
    assert (f'id="member-{staff["bob"].id}" checked' in response.text) is bob_kept
    assert fingerprint() == before


def test_a_team_manager_may_look_but_not_change(client, auth, staff):
    team = Team(name="South", manager=staff["sales"], members=[staff["ana"]])
    db.session.add(team)
    db.session.commit()
    auth.login(staff["sales"])
    listing = client.get("/admin/teams")
    assert listing.status_code == 200 and "South" in listing.text and "New team" not in listing.text
    view = client.get(f"/admin/teams/{team.id}")
    assert view.status_code == 200 and "data-team-view" in view.text and "Ana" in view.text
    assert 'name="member_ids"' not in view.text
    before = fingerprint()
    for url in (f"/admin/teams/{team.id}", f"/admin/teams/{team.id}/delete", "/admin/teams/new"):
        response = client.post(url, data={"name": "Mine", "member_ids": []})
        assert response.status_code == 403 and "Only administrators" in response.text
    assert fingerprint() == before


@pytest.mark.parametrize("role", ["manager", "ana"])
def test_others_may_not_open_the_teams(client, auth, staff, role):
    team = Team(name="South", manager=staff["sales"], members=[staff["bob"]])
    db.session.add(team)
    db.session.commit()
    auth.login(staff[role])
    assert client.get("/admin/teams").status_code == 403
    response = client.get(f"/admin/teams/{team.id}")
    assert response.status_code == 403 and "South" not in response.text
    assert client.get("/admin/teams/new").status_code == 403
    assert client.get("/admin/teams/999").status_code == 404


def test_admin_sets_the_visibility_rule_of_each_business_line(client, auth, staff, business_line):
    auth.login(staff["admin"])
    page = client.get("/admin/").text
    assert f'name="line-{business_line.id}"' in page and "Who sees which deals" in page
    response = client.post(
        "/admin/visibility", data={f"line-{business_line.id}": "team"}, headers=HTMX
    )
    assert response.status_code == 200 and "Saved." in response.text
    assert 'value="team" selected' in response.text
    db.session.expire_all()
    assert db.session.get(BusinessLine, business_line.id).visibility == "team"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "visibility_changed"))
    assert event.detail == "software: all -> team"


def test_unknown_rule_or_non_admin_changes_nothing(client, auth, staff, business_line):
    auth.login(staff["admin"])
    before = fingerprint()
    response = client.post(
        "/admin/visibility", data={f"line-{business_line.id}": "friends"}, headers=HTMX
    )
    assert response.status_code == 200 and "Choose one of the listed rules." in response.text
    assert fingerprint() == before
    auth.logout()
    auth.login(staff["manager"])
    response = client.post("/admin/visibility", data={f"line-{business_line.id}": "own"})
    assert response.status_code == 403
    assert 'name="line-' not in client.get("/admin/").text
    db.session.expire_all()
    assert db.session.get(BusinessLine, business_line.id).visibility == "all"
