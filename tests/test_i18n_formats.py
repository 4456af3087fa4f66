"""Dates, times and durations written the way each language writes them; Persian in the Solar
Hijri calendar with Persian digits, typed back the same way."""

from datetime import date, datetime, timedelta

import pytest

from webapp.extensions import db
from webapp.i18n import formats
from webapp.models import Opportunity

LANGUAGES = {"en": "en-US", "it": "it-IT", "fa": "fa-IR"}


@pytest.fixture
def speaking(app):
    """speaking(lang): a request context whose browser asks for ``lang``."""

    def enter(lang: str):
        ctx = app.test_request_context(headers={"Accept-Language": LANGUAGES[lang]})
        ctx.push()
        entered.append(ctx)

    entered = []
    yield enter
    for ctx in reversed(entered):
        ctx.pop()


@pytest.mark.parametrize(
    ("lang", "medium", "short"),
    [
        ("en", "Dec 11, 2026", "12/11/26"),
        ("it", "11 dic 2026", "11/12/26"),
        ("fa", "۲۰ آذر ۱۴۰۵", "۱۴۰۵/۰۹/۲۰"),
    ],
)
def test_a_day_in_each_language(speaking, lang, medium, short):
    speaking(lang)
    assert formats.day(date(2026, 12, 11)) == medium
    assert formats.day(datetime(2026, 12, 11, 23, 0)) == medium
    assert formats.day(date(2026, 12, 11), "short") == short
    assert formats.day(None) == ""


def test_persian_users_also_get_the_gregorian_day(speaking):
    speaking("fa")
    assert formats.gregorian(date(2026, 12, 11)) == "۱۱ دسامبر ۲۰۲۶"


def test_times_follow_the_company_time_zone(make_app):
    app = make_app(BABEL_DEFAULT_TIMEZONE="Europe/Rome")
    with app.test_request_context(headers={"Accept-Language": "it-IT"}):
        # 23:30 UTC on 31 December is already 1 January in Rome
        assert formats.moment(datetime(2026, 12, 31, 23, 30)) == "1 gen 2027 00:30"
    with app.test_request_context(headers={"Accept-Language": "fa-IR"}):
        assert formats.moment(datetime(2026, 12, 11, 8, 5)) == "۲۰ آذر ۱۴۰۵ ۰۹:۰۵"


@pytest.mark.parametrize(
    ("lang", "past", "future"),
    [
        ("en", "3 days ago", "in 2 hours"),
        ("it", "3 giorni fa", "tra 2 ore"),
        ("fa", "۳ روز پیش", "۲ ساعت بعد"),
    ],
)
def test_how_long_ago(speaking, lang, past, future):
    speaking(lang)
    now = datetime(2026, 12, 11, 12, 0)
    assert formats.ago(now - timedelta(days=3), now) == past
    assert formats.ago(now + timedelta(hours=2), now) == future


def test_a_persian_user_types_a_solar_hijri_close_date(
    client, auth, sales_user, create_opportunity
):
    deal = create_opportunity(name="Pars rollout", amount="1000")
    sales_user.locale = "fa"
    db.session.commit()
    auth.login(sales_user)
    url = f"/opportunities/{deal.id}/fields/close_date"
    response = client.post(
        url, data={"close_date": "۱۴۰۵/۹/۲۰", "version": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).close_date == date(2026, 12, 11)
    refused = client.post(
        url, data={"close_date": "۱۴۰۵/۱۲/۳۰", "version": "2"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 422 and 'value="۱۴۰۵/۱۲/۳۰"' in refused.text
    db.session.expire_all()
    assert db.session.get(Opportunity, deal.id).close_date == date(2026, 12, 11)


def test_a_constant_through_a_reader_filter_follows_each_reader(app, speaking):
    """Jinja folds a filter of a constant at compile time and caches the template: the
    placeholder ``{{ 0|number }}`` stayed in the first reader's digits for everyone after."""
    from webapp.templating import READER_FILTERS

    source = " ".join(f"{{{{ 1234|{name} }}}}" for name in ("number", "percent", "money"))
    template = app.jinja_env.from_string(source)
    shown = {}
    for lang in ("en", "fa", "it"):
        with app.test_request_context(headers={"Accept-Language": LANGUAGES[lang]}):
            shown[lang] = template.render()
    assert "1" in shown["en"] and "1" not in shown["fa"], shown
    assert "۱" in shown["fa"] and shown["it"] != shown["en"], shown
    assert {"number", "money", "day"} <= READER_FILTERS.keys()
