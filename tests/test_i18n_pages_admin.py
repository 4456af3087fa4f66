"""Reports, activities, admin, audit, profile, security, error pages and the bundled plugins'
pages render in English, Italian and Persian with no interface text left in English (the
finder in tests/i18n_text.py), and their figures, dates and months read as each locale writes
them.

What stays as typed or seeded is data, named to the finder: deal, account, user, stage and
business line names, the audit details. Demo data (``flask demo seed``) stays English.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests import factories
from tests.i18n_text import HEADERS, assert_translated, untranslated
from webapp.activities.types import DEFAULT_TYPES
from webapp.extensions import db
from webapp.models import Opportunity, PluginEnablement, User
from webapp.models._base import utcnow
from webapp.models.forecast import SalesTarget
from webapp.opportunities import activities
from webapp.opportunities.services import close_won, move_stage

FA, IT = HEADERS["fa"], HEADERS["it"]
TODAY = date.today()


@pytest.fixture
def world(admin, manager, sales_user, pipeline, business_line, create_opportunity, lost_reason):
    """A won, a lost and two open deals (one overdue), targets, an activity, the plugins on;
    returns the data a page shows as it was typed."""
    for plugin in ("renewals", "pipeline_variants", "erp_quotes"):
        db.session.add(PluginEnablement(business_line_id=business_line.id, plugin=plugin))
    db.session.commit()
    account = factories.account("Acme S.p.A.")
    stages = {s.kind: s for s in reversed(pipeline.stages)}
    open_deal = create_opportunity(
        name="Ponte Nord", amount="1234.56", account_id=str(account.id),
        close_date=(TODAY + timedelta(days=20)).isoformat(),
    )
    create_opportunity(name="Torre Sud", amount="800", close_date="2020-01-01")
    won = create_opportunity(name="Villa Est", amount="5000", contract_months="12")
    close_won(manager, won)
    lost = create_opportunity(name="Casa Ovest", amount="300")
    move_stage(manager, lost, stages["lost"].id, lost_reason_id=lost_reason.id)
    db.session.add(SalesTarget(owner_id=sales_user.id, business_line_id=business_line.id,
                               month=TODAY.replace(day=1), amount=Decimal("3000")))
    db.session.commit()
    activities.create_activity(sales_user, open_deal, {
        "subject": "Chiamata Anna", "kind": "call", "duration_minutes": "30",
        "due_at": (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT10:00"),
    })
    names = [s.name for s in pipeline.stages]
    return {
        "deal": open_deal, "won": won, "line": business_line,
        "data": [
            *names, pipeline.name, business_line.name, "Acme S.p.A.", "Ponte Nord", "Torre Sud",
            "Villa Est", "Casa Ovest", "Chiamata Anna", sales_user.name, manager.name,
            admin.name, sales_user.email, manager.email, admin.email, "SS", "MM", "AA",
            "Sales pipeline", "Software", "software", "Price too high",
            # The user menu (base.html, another area): the roles, and "Menu" (Italian too).
            "manager", "sales", "admin", "Menu",
            # Compact chart ticks: Italian writes thousands "1K" like English.
            *(f"{n}K" for n in range(1, 21)),
        ],
    }


REPORTS = ["forecast", "pipeline", "funnel", "time-in-stage", "won-lost", "accuracy", "renewals"]


@pytest.mark.parametrize("key", REPORTS)
def test_every_report_with_data_and_for_an_empty_period(client, auth, manager, world, key):
    auth.login(manager)
    assert_translated(client, f"/reports/{key}", data=world["data"])
    empty = "period=custom&from=1999-01-01&to=1999-01-31"
    assert_translated(client, f"/reports/{key}?{empty}", data=world["data"])
    assert_translated(client, f"/reports/{key}/summary", data=world["data"])
    htmx = {"HX-Request": "true", "HX-Target": "report-body"}
    assert_translated(client, f"/reports/{key}?{empty}", data=world["data"], headers=htmx)


def test_the_dashboard_and_the_targets_page(client, auth, manager, world):
    auth.login(manager)
    assert_translated(client, "/reports/", data=world["data"])
    assert_translated(client, "/reports/targets", data=world["data"])


def test_a_report_downloads_its_headers_in_the_readers_language(client, auth, manager, world):
    auth.login(manager)
    italian = client.get("/reports/forecast/owners.csv?sep=semicolon", headers=IT)
    header = italian.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header.split(";")[:3] == ["Responsabile", "Opportunità aperte", "Importo aperto"]
    persian = client.get("/reports/forecast/owners.csv", headers=FA).get_data(as_text=True)
    assert persian.lstrip("\ufeff").startswith("مسئول,فرصت‌های فروش باز")


def test_report_figures_follow_the_locale(client, auth, manager, world):
    auth.login(manager)
    italian = client.get("/reports/forecast", headers=IT).text
    assert "1.234,56" in italian and "1,234.56" not in italian  # the open deal's amount
    month = TODAY.replace(day=1)
    short = ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic")
    short = short[month.month - 1]
    assert f"{short} {month.year}" in italian
    persian = client.get("/reports/forecast", headers=FA).text
    months_fa = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر",
                 "دی", "بهمن", "اسفند")
    labels = re.findall(r"<td[^>]*>([^<]*[۰-۹]{4})</td>", persian)
    assert labels and all(any(m in label for m in months_fa) for label in labels)
    assert all(not re.search(r"[0-9]", label) for label in labels)  # Persian digits only
    english = client.get("/reports/forecast", headers=HEADERS["en"]).text
    assert "1,234.56" in english and f"{month:%b %Y}" in english


def test_persian_dates_in_the_forecast_rows(client, auth, manager, world):
    """The overdue deal's expected close date is a Solar Hijri date in Persian digits."""
    auth.login(manager)
    persian = client.get("/reports/forecast", headers=FA).text
    assert "۱۱ دی ۱۳۹۸" in persian  # 2020-01-01


def test_the_activities_pages(client, auth, sales_user, admin, world):
    auth.login(sales_user)
    data = world["data"]
    assert_translated(client, "/activities", data=data)
    assert_translated(client, "/activities?show=done", data=data)
    assert_translated(client, "/activities", data=data,
                      headers={"HX-Request": "true", "HX-Target": "activities-list"})
    week = (utcnow() + timedelta(days=1)).date().isoformat()
    assert_translated(client, f"/activities/calendar?week={week}", data=data)
    # Durations read the same in Italian ("30 min", "1 h").
    durations = [*data, "15 min", "30 min", "45 min", "1 h", "1 h 30", "2 h", "3 h", "4 h"]
    new = f"/activities/new?deal={world['deal'].id}"
    assert_translated(client, new, data=durations)
    assert_translated(client, new, data=durations, headers={"HX-Request": "true"})
    assert_translated(client, f"{new}&after=won", data=durations, headers={"HX-Request": "true"})
    auth.logout()
    auth.login(admin)
    assert_translated(client, "/activities/types", data=[*data, *(k for k, _ in DEFAULT_TYPES)])


def test_a_default_type_reads_translated_until_renamed(client, auth, sales_user, world):
    auth.login(sales_user)
    assert "Telefonata" in client.get("/activities", headers=IT).text
    assert "تماس تلفنی" in client.get("/activities", headers=FA).text


def test_the_persian_calendar_shows_solar_days_in_persian_digits(client, auth, sales_user, world):
    auth.login(sales_user)
    page = client.get("/activities/calendar", headers=FA).text
    assert "۱۰:۰۰" in page or "۰۷:۰۰" in page
    assert not re.search(r"<th[^>]*>[^<]*[0-9]{2}:00", page)


def test_admin_audit_profile_and_security(client, auth, admin, world):
    auth.login(admin)
    # The audit log's details are stored as written ("role admin"), like the plugins' names.
    data = [*world["data"], "renewals", "pipeline_variants", "erp_quotes", "bundled", "127.0.0.1",
            "role admin", "role manager", "role sales"]
    assert_translated(client, "/admin/", data=data)
    line = world["line"].id
    assert_translated(client, f"/admin/plugins/{line}/renewals/off", data=data)
    assert_translated(client, f"/admin/plugins/{line}/renewals/off", data=data,
                      headers={"HX-Request": "true"})
    assert_translated(client, "/admin/audit", data=data)
    assert_translated(client, "/profile", data=data)
    client.post("/profile/calendar-feed")
    assert_translated(client, "/profile", data=[*data, *_feed_link(client)])
    assert_translated(client, "/profile/security", data=[*data, *_agents(client)])


def _feed_link(client) -> list[str]:
    return re.findall(r'value="(http[^"]+\.ics)"', client.get("/profile").text)


def _agents(client) -> list[str]:
    page = client.get("/profile/security").text
    return [a.strip() for a in re.findall(r'session-agent">([^<]*)', page) if a.strip()]


def test_the_plugins_pages(client, auth, admin, world):
    auth.login(admin)
    data = [*world["data"], "pipeline_variants", "ERP_QUOTES_PROVIDER", "ERP_QUOTES_BASE_URL",
            "ERP_QUOTES_API_KEY", "ERP_QUOTES_API_SECRET", "erpnext", "ERPNext",
            "opportuno renewals generate",
            "--from DATE --to DATE [--uplift PCT] [--dry-run]", "Brevo", "Vtiger", "Keap"]
    assert_translated(client, "/renewals/", data=data)
    duplicate = f"/renewals/opportunities/{world['won'].id}/duplicate"
    # Italian sellers say "upsell" too.
    assert_translated(client, f"{duplicate}?kind=renewal", data=[*data, "Upsell"])
    assert_translated(client, f"{duplicate}?kind=upsell", data=[*data, "Upsell"],
                      headers={"HX-Request": "true"})
    assert_translated(client, "/admin/pipelines/", data=data)
    pipeline_id = world["deal"].pipeline_id
    assert_translated(client, f"/admin/pipelines/{pipeline_id}", data=data)
    assert_translated(client, "/erp-quotes/connection", data=data)
    deal = world["deal"].id
    assert_translated(client, f"/erp-quotes/opportunities/{deal}/panel", data=data,
                      headers={"HX-Request": "true"})


def test_the_error_pages(client, auth, sales_user):
    auth.login(sales_user)
    data = [sales_user.name, sales_user.email, "sales", "Menu", "SS"]
    assert_translated_error(client, "/admin/automation-that-does-not-exist", 404, data)
    assert_translated_error(client, "/activities/types", 403, data)


def assert_translated_error(client, url: str, status: int, data) -> None:
    pages = {}
    for lang, header in HEADERS.items():
        response = client.get(url, headers=header)
        assert response.status_code == status
        pages[lang] = response.text
    for lang in ("it", "fa"):
        assert not untranslated(pages["en"], pages[lang], lang, data), (url, lang)


def test_the_ical_feed_speaks_its_owners_language(client, auth, sales_user, world):
    sales_user = db.session.get(User, sales_user.id)
    sales_user.locale = "it"
    db.session.commit()
    auth.login(sales_user)
    client.post("/profile/calendar-feed")
    link = _feed_link(client)[0]
    auth.logout()
    feed = client.get(link.split("localhost", 1)[1], headers=FA).get_data(as_text=True)
    assert "Opportunità: Ponte Nord" in feed and "Telefonata: Chiamata Anna" in feed
    assert db.session.get(Opportunity, world["deal"].id).name == "Ponte Nord"
