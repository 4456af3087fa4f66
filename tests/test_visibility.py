"""Visibility rules per business line ("all", "team", "own") x roles: what each user sees on
every page that lets deals out (board, list, search, export, report figures, account page,
activities, the iCalendar feed, mass actions) and which deals they cannot open.

The Software line holds four deals on one account: Ana's, Bob's (Ana, Bob and the read-only
Rita are team Alpha, managed by Tom), Carl's (team Beta) and Tom's. The Hardware line holds
Olga's deal. Mia manages the Software line; Ada is an admin."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests import factories
from webapp.extensions import db
from webapp.models import BusinessLine, Note, Team
from webapp.models._base import utcnow
from webapp.opportunities import activities
from webapp.profile import feed

from .test_import_engine import rejects, run_file  # noqa: F401 (a fixture)

HTMX = {"HX-Request": "true"}
AMOUNTS = {"Ana": 1000, "Bob": 2000, "Carl": 4000, "Tom": 8000, "Olga": 16000}
SOFTWARE = {"Ana", "Bob", "Carl", "Tom"}
EVERYTHING = SOFTWARE | {"Olga"}
ALPHA = {"Ana", "Bob", "Tom"}

# rule -> viewer -> the owners whose deals the viewer sees
EXPECTED = {
    "all": {
        "ana": SOFTWARE,
        "carl": SOFTWARE,
        "tom": SOFTWARE,
        "rita": SOFTWARE,
        "mia": SOFTWARE,
        "ada": EVERYTHING,
        "olga": {"Olga"},
    },
    "team": {
        "ana": ALPHA,
        "carl": {"Carl"},
        "tom": ALPHA,
        "rita": ALPHA,
        "mia": SOFTWARE,
        "ada": EVERYTHING,
        "olga": {"Olga"},
    },
    "own": {
        "ana": {"Ana"},
        "carl": {"Carl"},
        "tom": ALPHA,  # a team's manager sees the team's deals
        "rita": set(),
        "mia": SOFTWARE,
        "ada": EVERYTHING,
        "olga": {"Olga"},
    },
}
VIEWERS = list(EXPECTED["all"])


@pytest.fixture
def world(app, business_line, pipeline, create_user, create_opportunity):
    hardware = factories.business_line("Hardware")
    hw_pipeline = factories.pipeline(hardware)
    people = {
        "ana": create_user(email="ana@example.com", name="Ana", role="sales"),
        "bob": create_user(email="bob@example.com", name="Bob", role="sales"),
        "carl": create_user(email="carl@example.com", name="Carl", role="sales"),
        "tom": create_user(email="tom@example.com", name="Tom", role="sales"),
        "rita": create_user(email="rita@example.com", name="Rita", role="readonly", sales=False),
        "mia": create_user(email="mia@example.com", name="Mia", role="manager"),
        "ada": create_user(email="ada@example.com", name="Ada", role="admin"),
        "olga": create_user(
            email="olga@example.com", name="Olga", role="sales", business_lines=[hardware]
        ),
    }
    p = people
    db.session.add(Team(name="Alpha", manager=p["tom"], members=[p["ana"], p["bob"], p["rita"]]))
    db.session.add(Team(name="Beta", members=[p["carl"]]))
    account = factories.account("Acme")
    deals = {}
    for name, amount in AMOUNTS.items():
        owner = p[name.lower()]
        stage = (hw_pipeline if name == "Olga" else pipeline).stages[0]
        deals[name] = create_opportunity(
            name=f"{name} deal",
            amount=str(amount),
            stage_id=stage.id,
            account_id=str(account.id),
            owner=owner,
        )
    due = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    for name, deal in deals.items():
        activities.create_activity(
            p["ada"],
            deal,
            {
                "subject": f"Call about {name}",
                "kind": "call",
                "due_at": due,
                "owner_id": str(deal.owner_id),
            },
        )
    # Ana also calls about Carl's deal: her feed shows it only while she may see the deal.
    activities.create_activity(
        p["ada"],
        deals["Carl"],
        {"subject": "Ana helps Carl", "kind": "call", "due_at": due, "owner_id": str(p["ana"].id)},
    )
    db.session.commit()
    return {
        "people": people,
        "deals": deals,
        "account": account,
        "line": business_line,
        "pipeline": pipeline,
    }


def set_rule(line, rule: str) -> None:
    line.visibility = rule
    db.session.commit()


def names_in(html: str) -> set[str]:
    return {name for name in AMOUNTS if f"{name} deal" in html}


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_each_user_sees_what_each_rule_allows_everywhere(client, auth, world, viewer):
    auth.login(world["people"][viewer])
    for rule in EXPECTED:
        set_rule(world["line"], rule)
        check_what_is_seen(client, world, viewer, EXPECTED[rule][viewer])


def check_what_is_seen(client, world, viewer: str, expected: set[str]) -> None:

    deals_list = client.get("/opportunities?owner=all&status=all").text
    assert names_in(deals_list) == expected
    searched = client.get("/opportunities?owner=all&status=all&q=deal", headers=HTMX).text
    assert names_in(searched) == expected
    assert names_in(client.get("/opportunities?owner=all&status=all&q=Carl").text) == (
        expected & {"Carl"}
    )

    board = client.get(f"/pipelines/{world['pipeline'].id}/board?owner=all")
    if viewer == "olga":
        assert board.status_code == 403
    else:
        assert board.status_code == 200 and names_in(board.text) == expected - {"Olga"}

    export = client.get("/opportunities/export?scope=all&owner=all&status=all&columns=all")
    rows = read_csv(export.data)
    name_col = rows[0].index("Name")
    assert {row[name_col].removesuffix(" deal") for row in rows[1:]} == expected

    report = client.get(f"/reports/pipeline/stages.csv?owner=all&pipeline={world['pipeline'].id}")
    total = next(r for r in read_csv(report.data) if r[0] == "Total")
    shown = expected - {"Olga"}  # Olga's line has another pipeline
    assert int(total[1]) == len(shown)
    assert Decimal(total[2]) == sum(AMOUNTS[n] for n in shown)

    folder = client.get(f"/accounts/{world['account'].id}").text
    assert names_in(folder) == expected

    listed = client.get("/activities?owner=all&status=all").text
    assert {n for n in AMOUNTS if f"Call about {n}" in listed} == expected

    for name, deal in world["deals"].items():
        page = client.get(f"/opportunities/{deal.id}")
        if name in expected:
            assert page.status_code == 200 and f"{name} deal" in page.text
        else:
            assert page.status_code == 403 and "You may not see this deal." in page.text
            assert f"{name} deal" not in page.text


@pytest.mark.parametrize(("rule", "shown"), [("all", True), ("team", False), ("own", False)])
def test_the_calendar_feed_leaves_out_deals_the_rule_hides(client, world, rule, shown):
    set_rule(world["line"], rule)
    ana = world["people"]["ana"]
    token = feed.token_of(feed.regenerate(ana))
    response = client.get(f"/calendar/{ana.id}/{token}.ics")
    assert response.status_code == 200
    summaries = {str(e["summary"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}
    assert "Call: Call about Ana" in summaries
    assert ("Call: Ana helps Carl" in summaries) is shown
    assert not any("Bob" in s or "Tom" in s for s in summaries)  # not Ana's activities


def test_mass_action_on_all_matching_touches_only_visible_deals(client, auth, world):
    set_rule(world["line"], "own")
    auth.login(world["people"]["ana"])
    form = {
        "action": "note",
        "scope": "matching",
        "f.owner": "all",
        "f.status": "all",
        "body": "Spring promotion",
    }
    confirm = client.post("/opportunities/mass/confirm", data=form, headers=HTMX)
    assert "1 deal" in confirm.text
    done = client.post("/opportunities/mass", data=form, headers=HTMX)
    assert done.status_code == 200
    noted = db.session.scalars(select(Note.opportunity_id).where(Note.body == "Spring promotion"))
    assert set(noted) == {world["deals"]["Ana"].id}


def test_team_changes_take_effect_at_once(client, auth, world):
    """Carl joins team Alpha: in a "team" line he now sees Alpha's deals and they see his."""
    set_rule(world["line"], "team")
    people = world["people"]
    auth.login(people["ada"])
    alpha = db.session.scalar(select(Team).where(Team.name == "Alpha"))
    ids = [str(people[n].id) for n in ("ana", "bob", "rita", "carl")]
    response = client.post(
        f"/admin/teams/{alpha.id}",
        data={"name": "Alpha", "manager_id": str(people["tom"].id), "member_ids": ids},
    )
    assert response.status_code == 302
    auth.logout()
    auth.login(people["carl"])
    assert names_in(client.get("/opportunities?owner=all&status=all").text) == ALPHA | {"Carl"}


def test_a_manager_of_another_line_sees_nothing_of_this_one(client, auth, world, create_user):
    hardware_manager = create_user(
        email="hm@example.com",
        name="Hank",
        role="manager",
        business_lines=[world["deals"]["Olga"].business_line],
    )
    auth.login(hardware_manager)
    assert names_in(client.get("/opportunities?owner=all&status=all").text) == {"Olga"}
    assert client.get(f"/opportunities/{world['deals']['Ana'].id}").status_code == 403


@pytest.mark.parametrize(("rule", "shown"), [("all", True), ("own", False)])
def test_plugin_panels_leave_out_deals_the_rule_hides(
    client, auth, business_line, create_opportunity, create_user, sales_user, manager, rule, shown
):
    """The renewals plugin's lineage panel (deal page) and chains panel (account page)."""
    from plugins.renewals.services import duplicate
    from webapp.models import PluginEnablement
    from webapp.opportunities.services import close_won

    db.session.add(PluginEnablement(business_line_id=business_line.id, plugin="renewals"))
    db.session.commit()
    una = create_user(email="una@example.com", name="Una", role="sales")
    acme = factories.account("Acme")
    won = create_opportunity(
        name="Acme support 2026", account_id=acme.id, amount="12000", contract_months="12"
    )
    close_won(manager, won)
    duplicate(manager, won, "renewal", {"name": "Acme renewal 2027", "owner_id": str(una.id)})
    set_rule(business_line, rule)
    auth.login(sales_user)
    deal_page = client.get(f"/opportunities/{won.id}").text
    lineage = deal_page.split('data-panel="lineage"', 1)[1].split("</section>", 1)[0]
    assert ("Acme renewal 2027" in lineage) is shown
    assert ("Acme renewal 2027" in deal_page) is shown  # nor in the timeline
    folder = client.get(f"/accounts/{acme.id}").text
    assert "Acme support 2026" in folder and ("Acme renewal 2027" in folder) is shown


def test_activities_are_assigned_only_to_who_may_see_the_deal(client, auth, world, count_queries):
    set_rule(world["line"], "own")
    auth.login(world["people"]["ada"])
    url = f"/activities/new?deal={world['deals']['Ana'].id}"
    line_id = world["line"].id
    form = client.get(url).text.split('id="schedule-owner"', 1)[1].split("</select>", 1)[0]
    offered = {
        name
        for name in ("Ana", "Bob", "Carl", "Tom", "Rita", "Mia", "Ada", "Olga")
        if f">{name}</option>" in form
    }
    assert offered == {"Ana", "Tom", "Mia", "Ada"}  # owner, her team's manager, line manager, admin

    def statements() -> int:
        db.session.remove()  # the requests share the test's session: start each one cold
        with count_queries() as q:
            client.get(url)
        return len(q)

    before = statements()
    line = db.session.get(BusinessLine, line_id)
    for n in range(5):
        factories.user(
            email=f"x{n}@example.com", name=f"X {n}", role="sales", business_lines=[line]
        )
    assert statements() == before  # the rule reads everyone's teams in one query


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("all", "You may not edit this deal: it belongs to someone else."),
        ("own", "No deal you may see has this ID."),
    ],
)
def test_an_import_does_not_reveal_or_touch_hidden_deals(run_file, world, rule, reason):  # noqa: F811
    set_rule(world["line"], rule)
    carl_deal = world["deals"]["Carl"]
    run = run_file(world["people"]["ana"], f"ID;Name;Amount\nopportuno:{carl_deal.id};Mine;5\n")
    assert [r[2] for r in rejects(run)] == [reason]
    db.session.expire_all()
    assert (carl_deal.name, carl_deal.amount) == ("Carl deal", 4000)


@pytest.mark.parametrize(("rule", "owners"), [("all", {"Ana", "Carl"}), ("own", {"Ana"})])
def test_the_forecast_shows_the_targets_of_the_owners_the_rule_lets_one_see(
    world, rule, owners
):
    from webapp.models.forecast import SalesTarget
    from webapp.reports.filters import filters_from
    from webapp.reports.forecast import _target_rows

    set_rule(world["line"], rule)
    people = world["people"]
    filters = filters_from({"owner": "all", "period": "this_month"})
    month = filters.start.replace(day=1)
    for name in ("ana", "carl"):
        db.session.add(
            SalesTarget(
                owner_id=people[name].id,
                business_line_id=world["line"].id,
                month=month,
                amount=Decimal(5000),
            )
        )
    db.session.commit()
    seen = {row.owner_id for row in _target_rows(people["ana"], filters, None)}
    assert seen == {people[name.lower()].id for name in owners}
