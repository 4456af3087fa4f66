"""Activity-based selling: the schedule dialog (and its plain page), /activities (buckets,
filters, done and reschedule in place), the week calendar, the prompt after a move, the
no-next-activity filters, the types picklist; permissions and hostile input."""

import json
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.activities import services
from webapp.extensions import db
from webapp.models import Activity, ActivityType, Opportunity
from webapp.models._base import utcnow
from webapp.opportunities import activities

HX = {"HX-Request": "true"}


def stored() -> list[Activity]:
    db.session.expire_all()
    return list(db.session.scalars(select(Activity).order_by(Activity.id)))


def plan(user, opp, subject="Call Anna", due=None, **data):
    due = due or utcnow() + timedelta(days=2)
    return activities.create_activity(
        user, opp, {"subject": subject, "due_at": due.strftime("%Y-%m-%dT%H:%M"), **data}
    )


@pytest.fixture
def colleague(create_user):
    return create_user(email="colleague@example.com", name="Carla Colleague", role="sales")


@pytest.fixture
def outsider(app):
    line = factories.business_line("Services")
    return factories.user(email="out@example.com", name="Otto Outside", business_lines=[line])


# --- the schedule dialog --------------------------------------------------------------------


def test_dialog_saves_type_date_time_duration_and_assignee(
    client, auth, sales_user, colleague, create_opportunity
):
    opp = create_opportunity(name="Acme support")
    auth.login(sales_user)
    dialog = client.get(f"/activities/new?deal={opp.id}", headers=HX)
    assert dialog.status_code == 200 and "<dialog" in dialog.text
    for name in ("Call", "Meeting", "Visit", "Task", "Email", "Deadline"):
        assert f">{name}</label>" in dialog.text
    assert "Carla Colleague" in dialog.text  # may be assigned: same business line
    response = client.post(
        f"/activities/new?deal={opp.id}",
        data={
            "kind": "visit",
            "subject": "Visit the plant",
            "due_date": "2027-03-02",
            "due_time": "14:30",
            "duration_minutes": "90",
            "owner_id": colleague.id,
            "note": "Bring the samples",
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"])["closeDialog"] is True
    [saved] = stored()
    assert (saved.kind, saved.subject, saved.due_at, saved.duration_minutes) == (
        "visit",
        "Visit the plant",
        datetime(2027, 3, 2, 14, 30),
        90,
    )
    assert (saved.owner_id, saved.note, saved.opportunity_id) == (
        colleague.id,
        "Bring the samples",
        opp.id,
    )


def test_dialog_from_a_board_card_answers_the_card(client, auth, sales_user, create_opportunity):
    opp = create_opportunity(name="Card deal")
    sales_user.board_density = "comfortable"  # compact cards show no next activity
    db.session.commit()
    auth.login(sales_user)
    response = client.post(
        f"/activities/new?deal={opp.id}",
        data={"kind": "call", "subject": "Ring", "due_date": "2027-01-04", "card": "1"},
        headers={**HX, "HX-Current-URL": "http://localhost/board"},
    )
    assert response.headers["HX-Retarget"] == f"#card-{opp.id}"
    assert f'id="card-{opp.id}"' in response.text and "Next: Ring" in response.text
    assert "No next activity" not in response.text


def test_dialog_is_a_plain_page_without_javascript(client, auth, sales_user, create_opportunity):
    opp = create_opportunity()
    auth.login(sales_user)
    page = client.get(f"/activities/new?deal={opp.id}")
    assert (
        page.status_code == 200
        and "<dialog" not in page.text
        and "Schedule an activity" in page.text
    )
    response = client.post(
        f"/activities/new?deal={opp.id}",
        data={
            "kind": "email",
            "subject": "Send the offer",
            "due_date": "2027-01-05",
            "next": "/activities",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/activities"
    assert [a.subject for a in stored()] == ["Send the offer"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"due_date": "2027-02-31"}, "due_at", ""),
        ({"due_date": "someday"}, "due_at", ""),
        ({"due_date": "", "due_time": "10:00"}, "due_at", "Choose the day too."),
        ({"duration_minutes": "99999999999999999999"}, "duration_minutes", "Enter a duration"),
        ({"duration_minutes": "-5"}, "duration_minutes", "Enter a duration"),
        ({"duration_minutes": "٣٠"}, "duration_minutes", "Enter a duration"),
        ({"subject": "Call\x00me"}, "subject", ""),
        ({"subject": "x" * 1_000_000}, "subject", ""),
        ({"subject": ""}, "subject", ""),
        ({"kind": "party"}, "kind", "Choose one of the activity types."),
        ({"owner_id": "2147483647"}, "owner_id", "Choose someone"),
        ({"note": "a\x00b"}, "note", ""),
    ],
)
def test_hostile_input_is_refused_in_the_form_and_nothing_is_written(
    client, auth, sales_user, create_opportunity, data, field, message
):
    opp = create_opportunity()
    auth.login(sales_user)
    form = {"kind": "call", "subject": "Typed subject", "due_date": "2027-01-04", **data}
    response = client.post(f"/activities/new?deal={opp.id}", data=form, headers=HX)
    assert response.status_code == 422
    assert f"{field}-error" in response.text and message in response.text
    if field != "subject":
        assert 'value="Typed subject"' in response.text  # typed input stays
    assert stored() == []


def test_assignee_must_see_the_deal(client, auth, sales_user, outsider, create_opportunity):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(
        f"/activities/new?deal={opp.id}",
        data={"kind": "call", "subject": "x", "owner_id": outsider.id},
        headers=HX,
    )
    assert (
        response.status_code == 422
        and "Otto" not in response.text.split("owner_id-error")[0].split("schedule-owner")[1]
    )
    assert stored() == []


def test_only_editors_of_the_deal_schedule(client, auth, colleague, outsider, create_opportunity):
    opp = create_opportunity()
    auth.login(colleague)  # sees the deal, does not own it
    assert client.get(f"/activities/new?deal={opp.id}").status_code == 403
    assert client.post(f"/activities/new?deal={opp.id}", data={"subject": "x"}).status_code == 403
    auth.logout()
    auth.login(outsider)  # another business line
    assert client.post(f"/activities/new?deal={opp.id}", data={"subject": "x"}).status_code in (
        403,
        404,
    )
    assert stored() == []


# --- the prompt after a move ------------------------------------------------------------------


def test_board_move_offers_the_next_activity(
    client, auth, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={
            "stage_id": pipeline.stages[1].id,
            "version": opp.version,
            "board": "1",
            "filters": "owner=all",
        },
        headers=HX,
    )
    offer = json.loads(response.headers["HX-Trigger"])["offerNextActivity"]["url"]
    query = parse_qs(urlsplit(offer).query)
    assert query == {"deal": [str(opp.id)], "after": ["moved"], "card": ["1"]}
    dialog = client.get(offer, headers=HX)
    assert "data-modeless" in dialog.text and "Schedule the next activity?" in dialog.text
    assert f"moved to {pipeline.stages[1].name}" in dialog.text
    assert 'value="Follow up: Acme support"' in dialog.text  # prefilled


def test_won_offers_a_kick_off_and_a_reorder_offers_nothing(
    client, auth, sales_user, pipeline, create_opportunity
):
    opp = create_opportunity()
    auth.login(sales_user)
    same = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": opp.stage_id, "version": opp.version, "board": "1", "filters": ""},
        headers=HX,
    )
    assert "offerNextActivity" not in same.headers.get("HX-Trigger", "")
    won = next(s for s in pipeline.stages if s.kind == "won")
    db.session.expire_all()
    opp = db.session.get(Opportunity, opp.id)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": won.id, "version": opp.version, "deal": "1"},
        headers=HX,
    )
    offer = json.loads(response.headers["HX-Trigger"])["offerNextActivity"]["url"]
    assert "after=won" in offer and "card" not in offer
    assert "Kick-off with" in client.get(offer, headers=HX).text


def test_no_javascript_move_offers_a_link(client, auth, sales_user, pipeline, create_opportunity):
    opp = create_opportunity()
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/stage",
        data={"stage_id": pipeline.stages[2].id, "version": opp.version, "next": "/board"},
        follow_redirects=True,
    )
    assert "data-offer-next-activity" in response.text
    assert f"/activities/new?deal={opp.id}&amp;after=moved" in response.text


# --- no next activity: card flag and filters ----------------------------------------------------


def test_board_and_list_filter_deals_without_next_activity(
    client, auth, sales_user, pipeline, create_opportunity
):
    busy, idle = create_opportunity(name="Busy deal"), create_opportunity(name="Idle deal")
    done = plan(sales_user, idle, "Old call")
    activities.complete_activity(sales_user, idle, done.id)
    plan(sales_user, busy)
    auth.login(sales_user)
    board = client.get(f"/pipelines/{pipeline.id}/board?owner=all").text
    assert "Busy deal" in board and "Idle deal" in board and "No next activity" in board
    only_idle = client.get(f"/pipelines/{pipeline.id}/board?owner=all&no_activity=1").text
    assert "Idle deal" in only_idle and "Busy deal" not in only_idle
    assert 'id="filter-no-activity" checked' in only_idle
    listed = client.get("/opportunities?no_activity=1").text
    assert "Idle deal" in listed and "Busy deal" not in listed


def test_card_menu_offers_scheduling(client, auth, sales_user, create_opportunity):
    opp = create_opportunity()
    auth.login(sales_user)
    menu = client.get(f"/opportunities/{opp.id}/card-actions").text
    assert "Schedule activity…" in menu and f"/activities/new?deal={opp.id}" in menu


# --- /activities --------------------------------------------------------------------------------


def test_list_buckets_filters_and_owner_all(
    client, auth, sales_user, colleague, create_opportunity
):
    opp = create_opportunity(name="Acme support")
    other_deal = create_opportunity(name="Other deal")
    now = utcnow()
    plan(sales_user, opp, "Late call", now - timedelta(days=2))
    plan(sales_user, opp, "Far visit", now + timedelta(days=40), kind="visit")
    plan(sales_user, other_deal, "Other deal call", now + timedelta(days=40))
    plan(sales_user, opp, "Colleague's task", now + timedelta(days=1), owner_id=str(colleague.id))
    auth.login(sales_user)
    page = client.get("/activities").text
    overdue = page.split('data-bucket="overdue"')[1].split('data-bucket="today"')[0]
    later = page.split('data-bucket="later"')[1]
    assert "Late call" in overdue and "Far visit" in later and "Far visit" not in overdue
    assert "Colleague&#39;s task" not in page  # mine only by default
    assert "Colleague&#39;s task" in client.get("/activities?owner=all").text
    assert "Colleague&#39;s task" in client.get(f"/activities?owner={colleague.id}").text
    by_type = client.get("/activities?type=visit").text
    assert "Far visit" in by_type and "Late call" not in by_type
    by_deal = client.get(f"/activities?deal={other_deal.id}").text
    assert "Other deal call" in by_deal and "Late call" not in by_deal
    assert "Activities" in client.get("/board").text  # the navigation link


def test_mark_done_and_reschedule_in_place(client, auth, sales_user, create_opportunity):
    opp = create_opportunity()
    act = plan(sales_user, opp, "Call back")
    auth.login(sales_user)
    moved = client.post(
        f"/activities/{act.id}/reschedule", data={"due_at": "2027-05-06T11:15"}, headers=HX
    )
    assert (
        moved.status_code == 200
        and moved.text.lstrip().startswith("<li")
        and "Thu 6 May 11:15" in moved.text
    )
    assert stored()[0].due_at == datetime(2027, 5, 6, 11, 15)
    bad = client.post(f"/activities/{act.id}/reschedule", data={"due_at": "32/13/2027"}, headers=HX)
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    assert stored()[0].due_at == datetime(2027, 5, 6, 11, 15)
    done = client.post(f"/activities/{act.id}/done", headers=HX)
    assert done.status_code == 200 and "text-decoration-line-through" in done.text
    assert stored()[0].done is True
    assert "Call back" in client.get("/activities?show=done").text
    assert "Call back" not in client.get("/activities").text


def test_no_javascript_done_goes_back(client, auth, sales_user, create_opportunity):
    opp = create_opportunity()
    act = plan(sales_user, opp)
    auth.login(sales_user)
    response = client.post(f"/activities/{act.id}/done", data={"next": "/activities?type=call"})
    assert response.status_code == 302 and response.headers["Location"] == "/activities?type=call"
    assert stored()[0].done is True


def test_assignee_may_complete_but_others_may_not(
    client, auth, sales_user, colleague, outsider, create_opportunity, create_user
):
    opp = create_opportunity()
    mine = plan(sales_user, opp, "For Carla", owner_id=str(colleague.id))
    not_hers = plan(sales_user, opp, "For Sam")
    auth.login(colleague)
    assert client.post(f"/activities/{not_hers.id}/done", headers=HX).status_code == 403
    assert client.post(f"/activities/{mine.id}/done", headers=HX).status_code == 200
    auth.logout()
    auth.login(outsider)
    assert client.post(f"/activities/{not_hers.id}/done", headers=HX).status_code == 404
    assert "For Sam" not in client.get("/activities?owner=all").text
    assert [a.done for a in stored()] == [True, False]


def test_list_query_count_does_not_grow_with_rows(
    client, auth, sales_user, create_opportunity, count_queries
):
    auth.login(sales_user)

    def fill(n):
        for i in range(n):
            opp = create_opportunity(name=f"Deal {i}", account_name=f"Account {i}")
            plan(sales_user, opp, f"Call {i}", utcnow() + timedelta(days=i - 2))

    def queries(url):
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return len(q)

    fill(2)
    few = [queries(u) for u in ("/activities", "/activities?owner=all", "/activities/calendar")]
    fill(15)
    many = [queries(u) for u in ("/activities", "/activities?owner=all", "/activities/calendar")]
    assert many == few


# --- the week calendar ----------------------------------------------------------------------


def test_calendar_shows_the_week_and_moves_an_activity(
    client, auth, sales_user, create_opportunity
):
    opp = create_opportunity()
    act = plan(
        sales_user, opp, "Demo", datetime(2027, 3, 3, 10, 30), kind="meeting", duration_minutes="60"
    )
    auth.login(sales_user)
    page = client.get("/activities/calendar?week=2027-03-04").text
    assert "Week of Mar 1, 2027" in page and "Demo" in page and "60 min" in page
    assert "week=2027-02-22" in page and "week=2027-03-08" in page
    cell = page.split('data-date="2027-03-03" data-hour="10"')[1].split("</td>")[0]
    assert "Demo" in cell
    other_week = client.get("/activities/calendar?week=2027-03-08").text
    assert "Demo" not in other_week
    response = client.post(
        f"/activities/{act.id}/reschedule",
        data={"due_at": "2027-03-05T15:30", "view": "calendar", "week": "2027-03-01"},
        headers=HX,
    )
    assert response.status_code == 200 and 'id="calendar"' in response.text
    cell = response.text.split('data-date="2027-03-05" data-hour="15"')[1].split("</td>")[0]
    assert "Demo" in cell
    assert stored()[0].due_at == datetime(2027, 3, 5, 15, 30)
    junk = client.get("/activities/calendar?week=\x00junk")
    assert junk.status_code == 200


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("language", ["en", "fa"])
def test_a_week_at_the_ends_of_the_calendar_shows_this_week(
    client, auth, sales_user, week, language
):
    """Its neighbours (the previous and next links) would not be dates: this week instead."""
    auth.login(sales_user)
    page = client.get(f"/activities/calendar?week={week}", headers={"Accept-Language": language})
    assert page.status_code == 200
    monday = utcnow().date() - timedelta(days=utcnow().weekday())
    assert f"week={(monday + timedelta(days=7)).isoformat()}" in page.text


# --- the types picklist ---------------------------------------------------------------------


def test_admin_renames_deactivates_and_adds_types(
    client, auth, admin, sales_user, create_opportunity
):
    types = {t.key: t for t in db.session.scalars(select(ActivityType))}
    form = {f"name-{t.id}": t.name for t in types.values()}
    form.update({f"position-{t.id}": str(t.position) for t in types.values()})
    form.update({f"active-{t.id}": "1" for t in types.values() if t.key != "deadline"})
    form[f"name-{types['call'].id}"] = "Phone call"
    form["new_name"] = "Webinar"
    auth.login(sales_user)
    assert client.post("/activities/types", data=form).status_code == 403
    auth.logout()
    auth.login(admin)
    assert client.post("/activities/types", data=form).status_code == 302
    db.session.expire_all()
    names = {t.key: (t.name, t.active) for t in db.session.scalars(select(ActivityType))}
    assert names["call"] == ("Phone call", True) and names["deadline"] == ("Deadline", False)
    assert names["webinar"] == ("Webinar", True)
    opp = create_opportunity()
    dialog = client.get(f"/activities/new?deal={opp.id}", headers=HX).text
    assert (
        ">Phone call</label>" in dialog
        and ">Webinar</label>" in dialog
        and "Deadline" not in dialog
    )
    form[f"name-{types['task'].id}"] = "\x00"
    bad = client.post("/activities/types", data=form)
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ActivityType)) == 7


def test_deal_page_panel_offers_the_dialog(client, auth, sales_user, colleague, create_opportunity):
    opp = create_opportunity()
    plan(sales_user, opp, "Existing call")
    auth.login(sales_user)
    panel = client.get(f"/opportunities/{opp.id}").text.split('data-panel="activities"')[1]
    assert f'href="/activities/new?deal={opp.id}"' in panel and "Schedule activity…" in panel
    assert f"/activities?deal={opp.id}&amp;owner=all" in panel
    auth.logout()
    auth.login(colleague)  # may see, may not edit: no button
    panel = client.get(f"/opportunities/{opp.id}").text.split('data-panel="activities"')[1]
    assert "Schedule activity…" not in panel


def test_a_type_filter_with_control_characters_is_ignored(client, auth, sales_user):
    auth.login(sales_user)
    response = client.get("/activities?type=call%00&owner=all")
    assert response.status_code == 200  # PostgreSQL refuses NUL in text: it never gets there
    assert services.ActivityFilters.from_args({"type": "call\x00"}).kind == ""
