"""/profile and the iCalendar feed: a secret URL that works without a login, shows only the
user's own activities from 30 days ago on, and stops working when revoked or renewed."""

import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import CalendarFeed
from webapp.models._base import utcnow
from webapp.opportunities import activities


def feed_url(client) -> str:
    page = client.get("/profile").text
    return re.search(r'value="(http://[^"]+\.ics)"', page).group(1).replace("http://localhost", "")


def test_feed_link_serves_my_activities_without_login(
    client, auth, sales_user, create_user, create_opportunity
):
    colleague = create_user(email="c@example.com", name="Carla", role="sales")
    opp = create_opportunity(name="Acme, support; 2027")
    now = utcnow()
    for subject, days, owner in (
        ("Call Anna, then; the boss\\", 2, sales_user),
        ("Old call", -40, sales_user),
        ("Recent call", -5, sales_user),
        ("Carla's call", 3, colleague),
    ):
        activities.create_activity(
            sales_user,
            opp,
            {
                "subject": subject,
                "kind": "call",
                "due_at": (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": "45",
                "owner_id": str(owner.id),
                "note": "Line one\nLine two " + "long " * 30,
            },
        )
    auth.login(sales_user)
    assert "Create my calendar link" in client.get("/profile").text
    client.post("/profile/calendar-feed")
    url = feed_url(client)
    auth.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    body = response.data
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded (octets)
    cal = Calendar.from_ical(body)
    events = cal.walk("VEVENT")
    summaries = sorted(str(e["summary"]) for e in events)
    assert summaries == ["Call: Call Anna, then; the boss\\", "Call: Recent call"]
    first = next(e for e in events if "Anna" in str(e["summary"]))
    assert first.decoded("dtend") - first.decoded("dtstart") == timedelta(minutes=45)
    assert "Deal: Acme, support; 2027" in str(first["description"])
    assert b"Acme\\, support\\; 2027" in body  # RFC 5545 escaping


def test_wrong_token_revoke_and_renew(client, auth, sales_user):
    auth.login(sales_user)
    client.post("/profile/calendar-feed")
    first = feed_url(client)
    assert client.get(first).status_code == 200
    assert client.get(first[:-8] + "0000.ics").status_code == 404
    assert (
        client.get(first.replace(f"/calendar/{sales_user.id}/", "/calendar/999/")).status_code
        == 404
    )
    client.post("/profile/calendar-feed")
    second = feed_url(client)
    assert second != first
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    client.post("/profile/calendar-feed/revoke")
    assert client.get(second).status_code == 404
    assert "Create my calendar link" in client.get("/profile").text
    assert db.session.scalars(select(CalendarFeed)).all() == []


def test_feed_stops_for_an_inactive_user(client, auth, sales_user):
    auth.login(sales_user)
    client.post("/profile/calendar-feed")
    url = feed_url(client)
    sales_user.active = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_feed_changes_need_csrf(make_app, sales_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        login = client.get("/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        client.post(
            "/login",
            data={
                "email": sales_user.email,
                "password": "correct-horse-battery",
                "csrf_token": token,
            },
        )
        assert client.post("/profile/calendar-feed").status_code == 400
        assert client.post("/profile/calendar-feed/revoke").status_code == 400
        assert db.session.scalars(select(CalendarFeed)).all() == []
        page = client.get("/profile").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post("/profile/calendar-feed", data={"csrf_token": token}).status_code == 302
        assert len(db.session.scalars(select(CalendarFeed)).all()) == 1
