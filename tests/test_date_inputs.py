"""Date inputs in the reader's calendar: the browser's picker (ISO values) in English and
Italian; in Persian a text input holding the Solar Hijri date in Persian digits, which is read
back as the same day (the browser's picker knows only the Gregorian calendar)."""

import re
from datetime import date, datetime

import pytest

from webapp.extensions import db
from webapp.models import Activity, Opportunity
from webapp.opportunities.activities import create_activity

FA = {"Accept-Language": "fa-IR,fa;q=0.9"}
IT = {"Accept-Language": "it-IT,it;q=0.9"}


def input_tag(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert found, f"no input {name}"
    return found[0]


def attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found[1] if found else None


def test_the_new_deal_form_takes_a_solar_hijri_date_in_persian(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    tag = input_tag(client.get("/opportunities/new", headers=FA).text, "close_date")
    assert attribute(tag, "type") == "text"
    assert attribute(tag, "inputmode") == "numeric"
    assert attribute(tag, "placeholder") == "سال/ماه/روز"

    data = {"name": "Dey deal", "account_name": "Arya", "stage_id": str(pipeline.stages[0].id)}
    response = client.post(
        "/opportunities/new", data={**data, "close_date": "۱۴۰۵/۱۰/۰۱"}, headers=FA
    )
    assert response.status_code == 302
    deal = db.session.scalars(db.select(Opportunity)).one()
    assert deal.close_date == date(2026, 12, 22)  # 1 Dey 1405


def test_a_wrong_solar_hijri_date_is_refused_and_kept(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    data = {"name": "Bad day", "account_name": "Arya", "stage_id": str(pipeline.stages[0].id)}
    response = client.post(
        "/opportunities/new", data={**data, "close_date": "۱۴۰۵/۱۳/۴۰"}, headers=FA
    )
    assert response.status_code == 200  # the form again, with the message
    tag = input_tag(response.text, "close_date")
    assert attribute(tag, "value") == "۱۴۰۵/۱۳/۴۰"  # as typed
    assert "is-invalid" in attribute(tag, "class")
    assert db.session.scalar(db.select(db.func.count()).select_from(Opportunity)) == 0


def test_english_and_italian_keep_the_browsers_date_picker(client, auth, sales_user, pipeline):
    auth.login(sales_user)
    for headers in ({}, IT):
        tag = input_tag(client.get("/opportunities/new", headers=headers).text, "close_date")
        assert attribute(tag, "type") == "date"
        assert attribute(tag, "placeholder") is None


def test_the_inline_close_date_reads_back_as_the_same_day_in_persian(
    client, auth, sales_user, create_opportunity
):
    deal = create_opportunity(name="Azar deal", close_date="2026-12-01")
    auth.login(sales_user)
    editor = client.get(f"/opportunities/{deal.id}/fields/close_date?edit=1", headers=FA).text
    shown = attribute(input_tag(editor, "close_date"), "value")
    assert shown == "۱۴۰۵/۰۹/۱۰"

    moved = client.post(
        f"/opportunities/{deal.id}/fields/close_date",
        data={"close_date": "۱۴۰۵/۰۹/۱۲", "version": str(deal.version)},
        headers=FA,
    )
    assert moved.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).close_date == date(2026, 12, 3)


def test_an_activity_is_rescheduled_with_a_solar_hijri_date_and_time(
    client, auth, sales_user, create_opportunity
):
    deal = create_opportunity(name="Call deal")
    activity = create_activity(
        sales_user, deal, {"kind": "call", "subject": "Call", "due_at": "2026-12-01 14:30"}
    )
    auth.login(sales_user)
    page = client.get("/activities", headers=FA).text
    tag = input_tag(page, "due_at")
    assert attribute(tag, "value") == "۱۴۰۵/۰۹/۱۰ ۱۴:۳۰"
    assert attribute(tag, "type") == "text"

    response = client.post(
        f"/activities/{activity.id}/reschedule", data={"due_at": "۱۴۰۵/۰۹/۱۱ ۱۰:۰۵"}, headers=FA
    )
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).due_at == datetime(2026, 12, 2, 10, 5)


def test_the_schedule_dialogs_date_is_offered_in_the_persian_calendar(
    client, auth, sales_user, create_opportunity
):
    deal = create_opportunity(name="Next step deal")
    auth.login(sales_user)
    html = client.get(f"/activities/new?deal={deal.id}", headers=FA).text
    tag = input_tag(html, "due_date")
    assert attribute(tag, "type") == "text"
    value = attribute(tag, "value")
    assert value == "" or re.fullmatch("۱۴[۰-۹]{2}/[۰-۹]{2}/[۰-۹]{2}", value)

    response = client.post(
        f"/activities/new?deal={deal.id}",
        data={"kind": "meeting", "subject": "Visit", "due_date": "۱۴۰۵/۱۰/۰۱", "due_time": "11:00"},
        headers=FA,
    )
    assert response.status_code in (200, 302)
    saved = db.session.scalars(db.select(Activity).where(Activity.subject == "Visit")).one()
    assert saved.due_at == datetime(2026, 12, 22, 11, 0)


def test_an_iso_date_given_to_a_persian_input_is_shown_in_the_solar_calendar(app):
    from webapp.i18n.date_inputs import date_input

    with app.test_request_context(headers=FA):
        assert date_input("2026-12-01")["value"] == "۱۴۰۵/۰۹/۱۰"
        assert date_input(date(2026, 12, 1))["value"] == "۱۴۰۵/۰۹/۱۰"
        assert date_input(datetime(2026, 12, 1, 9, 5), True)["value"] == "۱۴۰۵/۰۹/۱۰ ۰۹:۰۵"
        assert date_input("2026-12-01T09:05", True)["value"] == "۱۴۰۵/۰۹/۱۰ ۰۹:۰۵"
        assert date_input("۱۴۰۵/۱۳/۴۰")["value"] == "۱۴۰۵/۱۳/۴۰"  # typed: kept
        assert date_input("2026-02-30")["value"] == "2026-02-30"  # no such day: kept
        assert date_input(None)["value"] == ""
    with app.test_request_context(headers=IT):
        assert date_input(datetime(2026, 12, 1, 9, 5), True) == {
            "type": "datetime-local",
            "value": "2026-12-01T09:05",
        }


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31"])
def test_a_date_outside_the_solar_calendar_is_shown_in_the_gregorian_one(
    client, auth, sales_user, create_opportunity, when
):
    """jdatetime counts from 622 to about 9377: a typed 0001-01-01 or 9999-12-31 (both read
    as dates) is shown as Babel writes it in Persian, digits included, instead of a 500."""
    deal = create_opportunity(name="Far deal", close_date=when)
    auth.login(sales_user)
    for url in (f"/opportunities/{deal.id}", "/board", "/opportunities"):
        assert client.get(url, headers=FA).status_code == 200, url
    editor = client.get(f"/opportunities/{deal.id}/fields/close_date?edit=1", headers=FA).text
    shown = attribute(input_tag(editor, "close_date"), "value")
    assert shown.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")).count(when[:4].lstrip("0"))


def test_activities_due_outside_the_solar_calendar_are_listed_in_persian(
    client, auth, sales_user, create_opportunity
):
    deal = create_opportunity(name="Far deal")
    for due in ("9999-12-30 10:00", "0001-01-02 10:00"):
        create_activity(sales_user, deal, {"kind": "call", "subject": "Far call", "due_at": due})
    auth.login(sales_user)
    for url in ("/activities", f"/opportunities/{deal.id}", "/board"):
        assert client.get(url, headers=FA).status_code == 200, url
