"""Activities on a deal: create, complete, reschedule; overdue ones stand out."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.errors import PermissionDenied, ValidationError
from webapp.extensions import db
from webapp.models import Activity, TimelineEntry
from webapp.opportunities import activities

HX = {"HX-Request": "true"}


def test_create_complete_reschedule_write_the_timeline(create_opportunity, sales_user):
    opp = create_opportunity()
    call = activities.create_activity(
        sales_user, opp, {"kind": "call", "subject": "Call Anna", "due_at": "2027-03-01T10:30"}
    )
    assert (call.kind, call.due_at, call.owner_id) == (
        "call",
        datetime(2027, 3, 1, 10, 30),
        sales_user.id,
    )
    activities.reschedule_activity(sales_user, opp, call.id, "2027-03-05")
    assert call.due_at == datetime(2027, 3, 5, 9, 0)
    activities.complete_activity(sales_user, opp, call.id)
    assert call.done and call.done_at is not None
    messages = db.session.scalars(
        select(TimelineEntry.message)
        .where(TimelineEntry.action == "activity")
        .order_by(TimelineEntry.id)
    ).all()
    assert messages == [
        "Planned call: Call Anna",
        "Rescheduled call: Call Anna",
        "Completed call: Call Anna",
    ]
    with pytest.raises(ValidationError):
        activities.reschedule_activity(sales_user, opp, call.id, "2027-04-01")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "x", "due_at": "tomorrow"}, "due_at"),
        ({"subject": "x", "kind": "party"}, "kind"),
        ({"subject": "x", "contact_id": "999"}, "contact_id"),
    ],
)
def test_bad_activity_is_refused(create_opportunity, sales_user, data, field):
    opp = create_opportunity()
    with pytest.raises(ValidationError) as exc:
        activities.create_activity(sales_user, opp, data)
    assert field in exc.value.errors
    db.session.rollback()
    assert db.session.scalars(select(Activity)).all() == []


def test_only_editors_plan_activities(create_opportunity, create_user):
    opp = create_opportunity()
    other = create_user(email="o@example.com", name="Other", role="sales")
    with pytest.raises(PermissionDenied):
        activities.create_activity(other, opp, {"subject": "Sneaky"})


def test_activity_of_another_deal_is_not_found(client, auth, create_opportunity, sales_user):
    first, second = create_opportunity(name="One"), create_opportunity(name="Two")
    act = activities.create_activity(sales_user, first, {"subject": "Mine"})
    auth.login(sales_user)
    response = client.post(f"/opportunities/{second.id}/activities/{act.id}/done", headers=HX)
    assert response.status_code == 404
    assert db.session.get(Activity, act.id).done is False


def test_panel_marks_overdue_and_keeps_bad_input(client, auth, create_opportunity, sales_user):
    opp = create_opportunity()
    late = (datetime.now() - timedelta(days=3)).isoformat(timespec="minutes")
    soon = (datetime.now() + timedelta(days=3)).isoformat(timespec="minutes")
    auth.login(sales_user)
    client.post(
        f"/opportunities/{opp.id}/activities",
        data={"subject": "Late call", "due_at": late},
        headers=HX,
    )
    response = client.post(
        f"/opportunities/{opp.id}/activities",
        data={"subject": "Future meeting", "kind": "meeting", "due_at": soon},
        headers=HX,
    )
    html = response.text
    late_row = html[html.index("Late call") - 400 : html.index("Late call")]
    assert 'data-overdue="true"' in late_row and "activity-overdue" in late_row
    future_row = html[html.index("Future meeting") - 400 : html.index("Future meeting")]
    assert "data-overdue" not in future_row
    bad = client.post(
        f"/opportunities/{opp.id}/activities",
        data={"subject": "Keep me", "due_at": "someday"},
        headers=HX,
    )
    assert bad.status_code == 422
    assert 'value="Keep me"' in bad.text and "someday is not a date and time" in bad.text
    done = client.post(
        f"/opportunities/{opp.id}/activities/"
        f"{db.session.scalars(select(Activity.id).where(Activity.subject == 'Late call')).one()}"
        "/done",
        headers=HX,
    )
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "dealChanged"
    assert 'data-overdue="true"' not in done.text


def test_activity_with_a_contact_of_the_deal(client, auth, create_opportunity, sales_user):
    from tests import factories
    from webapp.opportunities import relations

    opp = create_opportunity(account_name="Acme")
    anna = factories.contact(opp.account, first_name="Anna", last_name="Rossi")
    relations.add_contact(sales_user, opp, anna.id, "decision_maker")
    auth.login(sales_user)
    response = client.post(
        f"/opportunities/{opp.id}/activities",
        data={"subject": "Lunch", "kind": "meeting", "contact_id": anna.id},
        headers=HX,
    )
    assert response.status_code == 200 and "with Anna Rossi" in response.text
    assert db.session.scalars(select(Activity)).one().contact_id == anna.id
