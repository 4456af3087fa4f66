"""The one parser of typed numbers and dates (webapp.parsing), table by table and locale by
locale, and the field parsers built on it (webapp.opportunities.fields)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from flask_babel import get_locale

from webapp.errors import ValidationError
from webapp.locale import current_locale
from webapp.opportunities import fields
from webapp.parsing import ParseError, editable, read_date, read_datetime, read_number

# (locale, typed, the Decimal it is)
NUMBERS = [
    ("en", "1500.50", Decimal("1500.50")),
    ("en", "1,500.50", Decimal("1500.50")),
    ("en", "12,500", Decimal("12500")),
    ("en", "1,234,567.8", Decimal("1234567.8")),
    ("en", "1.500", Decimal("1.500")),
    ("en", ".5", Decimal("0.5")),
    ("en", "  42  ", Decimal("42")),
    ("en", "-3.5", Decimal("-3.5")),
    ("en", "\u22123", Decimal("-3")),
    ("en", "+7", Decimal("7")),
    ("en", "۱۲۳۴", Decimal("1234")),  # Persian digits
    ("en", "١٢٣٫٤", Decimal("123.4")),  # Arabic-Indic digits, Arabic decimal separator
    ("en", "1٬500", Decimal("1500")),  # Arabic thousands separator
    ("en", "0.1", Decimal("0.1")),  # exact: no float on the way
    ("it", "1.500,50", Decimal("1500.50")),
    ("it", "1500,50", Decimal("1500.50")),
    ("it", "12,50", Decimal("12.50")),
    ("it", "1.500", Decimal("1500")),
    ("it", "1.234.567,8", Decimal("1234567.8")),
    ("it", ",5", Decimal("0.5")),
    ("it", "۱۲۳۴", Decimal("1234")),
    ("fa", "۱۲۳۴", Decimal("1234")),
    ("fa", "۱٬۵۰۰٫۵", Decimal("1500.5")),
    ("fa", "1,500.5", Decimal("1500.5")),
    ("fa", "١٢٫٥", Decimal("12.5")),
    ("fa", "\u200e\u2212۵", Decimal("-5")),  # Babel's Persian minus, with its LRM
    ("fr", "1\u202f500,5", Decimal("1500.5")),  # a locale that groups with a narrow space
    ("fr", "1 500,5", Decimal("1500.5")),
    ("de_CH", "1'500.50", Decimal("1500.50")),  # ... and one that groups with an apostrophe
]

# (locale, typed, a fragment of the message)
REFUSED = [
    ("en", "1.500,50", "1.500,50 is not a number in English: write 1500.50 or 1,500.50."),
    ("en", "12,50", "12,50 is not a number in English: write 12.50."),
    ("en", "1,5", "write 1.5."),
    ("en", "-2,5", "-2,5 is not a number in English: write -2.5."),
    ("en", "-1.500,5", "write -1500.5 or -1,500.5."),
    ("en", "1,50,000", "write it like 1500.50 or 1,500.50."),
    ("en", "1 500", "1 500 is not a number in English"),  # English does not group with spaces
    ("en", "1.2.3", "not a number in English"),
    ("en", "12.", "not a number in English"),
    ("en", "NaN", "NaN is not a number in English"),
    ("en", "sNaN", "sNaN is not a number in English"),
    ("en", "Infinity", "not a number"),
    ("en", "-inf", "not a number"),
    ("en", "1e5", "1e5 is not a number in English"),
    ("en", "0x10", "not a number"),
    ("en", "1_000", "not a number"),
    ("en", "²", "not a number"),  # a digit for isdigit(), not for int()
    ("en", "12 EUR", "not a number"),
    ("en", "", "not a number"),
    ("en", "-", "not a number"),
    ("en", "9" * 65, "…"),  # long text is quoted cut short
    ("it", "12.50", "12.50 is not a number in Italian: write 12,50."),
    ("it", "1,500.50", "1,500.50 is not a number in Italian: write 1500,50 or 1.500,50."),
    ("it", "1.50", "write 1,50."),
    ("it", "abc", "abc is not a number in Italian: write it like 1500,50 or 1.500,50."),
    ("fa", "1.500,50", "1.500,50 is not a number in Persian: write 1500.50 or 1,500.50."),
    ("fa", "۱٬۵۰", "not a number in Persian"),
]


@pytest.mark.parametrize(("locale", "typed", "expected"), NUMBERS)
def test_numbers_are_read_as_the_locale_writes_them(locale, typed, expected):
    number = read_number(typed, locale)
    assert number == expected and isinstance(number, Decimal)
    assert str(number) == str(expected)  # the digits as typed, not a float's


@pytest.mark.parametrize(("locale", "typed", "message"), REFUSED)
def test_ambiguous_or_malformed_numbers_are_refused_saying_what_to_type(locale, typed, message):
    with pytest.raises(ParseError) as exc:
        read_number(typed, locale)
    assert message in exc.value.message


@pytest.mark.parametrize(
    ("locale", "typed", "message"),
    [
        ("en", "12.5", "12.5 is not a whole number: write 12 or 13."),
        ("it", "12,5", "12,5 is not a whole number: write 12 or 13."),
        ("en", "12.0", "12.0 is not a whole number: write 12."),
        ("en", "twelve", "twelve is not a number in English: write it like 1500 or 1,500."),
    ],
)
def test_whole_numbers_refuse_decimals(locale, typed, message):
    assert read_number("1,200", "en", kind="whole") == 1200
    with pytest.raises(ParseError) as exc:
        read_number(typed, locale, kind="whole")
    assert exc.value.message == message


def test_percentages_may_end_with_a_percent_sign():
    assert read_number("4,5 %", "it", kind="percent") == Decimal("4.5")
    assert read_number("۳٪", "fa", kind="percent") == 3  # the Arabic percent sign
    with pytest.raises(ParseError, match="4,5 is not a number in English: write 4.5."):
        read_number("4,5", "en", kind="percent")
    with pytest.raises(ParseError):
        read_number("4%", "en")  # only percentages take the sign


@pytest.mark.parametrize(
    ("value", "locale", "shown"),
    [
        (Decimal("1500.50"), "en", "1500.50"),
        (Decimal("1500.50"), "it", "1500,50"),
        (Decimal("1234567.8"), "it", "1234567,8"),
        (Decimal("2.00"), "it", "2,00"),
        (Decimal("1500.50"), "fa", "1500.50"),
        (1500, "it", "1500"),
        (None, "it", ""),
    ],
)
def test_editable_values_read_back_unchanged(value, locale, shown):
    assert editable(value, locale) == shown
    if value is not None:
        assert read_number(shown, locale) == value


# (locale, typed, the date it is)
DATES = [
    ("en", "2026-12-31", date(2026, 12, 31)),
    ("en", "12/31/2026", date(2026, 12, 31)),
    ("en", "12/31/26", date(2026, 12, 31)),
    ("en", "1/5/2027", date(2027, 1, 5)),
    ("it", "31/12/2026", date(2026, 12, 31)),
    ("it", "31/12/26", date(2026, 12, 31)),
    ("it", "5/1/2027", date(2027, 1, 5)),
    ("it", "2026-12-31", date(2026, 12, 31)),
    ("it", "۳۱/۱۲/۲۰۲۶", date(2026, 12, 31)),
    ("fa", "۲۰۲۶/۱۲/۳۱", date(2026, 12, 31)),
    ("fa", "٢٠٢٦-١٢-٣١", date(2026, 12, 31)),
    ("fa", "۱۴۰۵/۹/۲۰", date(2026, 12, 11)),  # Solar Hijri: 20 Azar 1405
    ("fa", "1405-10-11", date(2027, 1, 1)),
    ("fa", "۱۴۰۳/۱۲/۳۰", date(2025, 3, 20)),  # the last day of a Solar Hijri leap year
    ("it", "1405-09-20", date(1405, 9, 20)),  # only Persian reads Solar Hijri
]
REFUSED_DATES = [
    ("en", "31/12/2026", "31/12/2026 is not a date in English: write it as MM/DD/YYYY or YYYY"),
    ("en", "2026-02-30", "not a date in English"),
    ("en", "2026-12-31T10:00", "not a date"),
    ("en", "tomorrow", "tomorrow is not a date"),
    ("en", "20261231", "not a date"),
    ("it", "12/31/2026", "12/31/2026 is not a date in Italian: write it as DD/MM/YYYY or YYYY"),
    ("it", "31.12.2026", "write it as DD/MM/YYYY or YYYY-MM-DD."),
    ("fa", "31/12/2026", "not a date in Persian: write it as YYYY/MM/DD or YYYY-MM-DD."),
    ("fa", "۱۴۰۵/۱۲/۳۰", "not a date in Persian"),  # 1405 is not a leap year
    ("fa", "1405/13/01", "not a date in Persian"),
]


@pytest.mark.parametrize(("locale", "typed", "expected"), DATES)
def test_dates_are_iso_or_the_locale_short_form(locale, typed, expected):
    assert read_date(typed, locale) == expected


@pytest.mark.parametrize(("locale", "typed", "message"), REFUSED_DATES)
def test_other_dates_are_refused_with_the_forms_to_use(locale, typed, message):
    with pytest.raises(ParseError) as exc:
        read_date(typed, locale)
    assert message in exc.value.message


@pytest.mark.parametrize(
    ("locale", "typed", "expected"),
    [
        ("en", "2026-12-31T14:30", datetime(2026, 12, 31, 14, 30)),
        ("en", "2026-12-31 14:30:15", datetime(2026, 12, 31, 14, 30, 15)),
        ("en", "12/31/2026 2:30 PM", datetime(2026, 12, 31, 14, 30)),
        ("en", "12/31/2026 12:05 am", datetime(2026, 12, 31, 0, 5)),
        ("en", "12/31/2026", datetime(2026, 12, 31, 9, 0)),  # a date alone: 09:00
        ("it", "31/12/26 14:30", datetime(2026, 12, 31, 14, 30)),
        ("fa", "۲۰۲۶/۱۲/۳۱ ۱۴:۳۰", datetime(2026, 12, 31, 14, 30)),
    ],
)
def test_datetimes_are_a_date_and_a_time(locale, typed, expected):
    assert read_datetime(typed, locale) == expected


@pytest.mark.parametrize("typed", ["2026-12-31 25:00", "2026-12-31 13:00 PM", "31/12/2026 9"])
def test_bad_datetimes_are_refused(typed):
    with pytest.raises(ParseError, match="is not a date and time in English: write it as"):
        read_datetime(typed, "en")


# --- the locale seam ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, "en"),
        ("it-IT,it;q=0.9,en;q=0.8", "it"),
        ("fa-IR", "fa"),
        ("de-DE,it;q=0.5", "it"),
        ("de-DE", "en"),
        ("en-US,en;q=0.9", "en"),
    ],
)
def test_current_locale_is_the_best_accepted_language(app, header, locale):
    headers = {"Accept-Language": header} if header else {}
    with app.test_request_context("/", headers=headers):
        assert current_locale() == locale
        assert get_locale().language == locale  # what gettext uses too


def test_current_locale_is_english_outside_a_request_and_per_request(app):
    assert current_locale() == "en"
    with app.test_request_context("/", headers={"Accept-Language": "it"}):
        assert current_locale() == "it"
    with app.test_request_context("/", headers={"Accept-Language": "fa"}):
        assert current_locale() == "fa"  # not the previous request's, though g is shared


# --- fields.py --------------------------------------------------------------------------------


def _error(parse) -> dict:
    with pytest.raises(ValidationError) as exc:
        parse()
    return exc.value.errors


def test_money_reads_the_given_or_current_locale_and_keeps_its_bounds(app):
    assert fields.money("amount", "1.500,50", locale="it") == Decimal("1500.50")
    assert fields.money("amount", "1,500.5", locale="en") == Decimal("1500.50")
    assert fields.money("amount", "12.345") == Decimal("12.34")  # outside a request: English
    with app.test_request_context("/", headers={"Accept-Language": "it"}):
        assert fields.money("amount", "12,50") == Decimal("12.50")
        assert "scrivi 12,50" in _error(lambda: fields.money("amount", "12.50"))["amount"]
    assert fields.money("amount", "") is None
    assert _error(lambda: fields.money("amount", " ", required=True)) == {
        "amount": "This field is required."
    }
    assert "cannot be negative" in _error(lambda: fields.money("amount", "-1"))["amount"]
    assert "too large" in _error(lambda: fields.money("amount", "1000000000000"))["amount"]
    assert fields.money("amount", "999,999,999,999.99") == fields.MAX_MONEY
    for bad in ("NaN", "sNaN", "Infinity", "1e5", "1e400"):
        assert "not a number" in _error(lambda bad=bad: fields.money("amount", bad))["amount"]


def test_numbers_from_code_pass_without_locale_reading():
    assert fields.money("amount", Decimal("1500.5")) == Decimal("1500.50")
    assert fields.money("amount", 7) == Decimal("7.00")
    assert fields.money("amount", 0.1) == Decimal("0.10")  # via its repr, not its binary value
    assert fields.money("amount", Decimal("12.50"), locale="it") == Decimal("12.50")
    assert _error(lambda: fields.money("amount", True)) == {"amount": "Enter a number."}
    assert _error(lambda: fields.money("amount", Decimal("NaN"))) == {"amount": "Enter a number."}


def test_integers_go_through_the_same_parser():
    assert fields.integer("probability", "۴۵", minimum=0, maximum=100) == 45
    assert fields.integer("contract_months", "1.200", locale="it") == 1200
    assert fields.integer("probability", "") is None
    assert _error(lambda: fields.integer("probability", "12.5")) == {
        "probability": "12.5 is not a whole number: write 12 or 13."
    }
    assert _error(lambda: fields.integer("probability", "150", maximum=100)) == {
        "probability": "Must be at most 100."
    }
    assert "not a number" in _error(lambda: fields.integer("probability", "²"))["probability"]


def test_days_and_moments():
    assert fields.day("close_date", "31/12/26", locale="it") == date(2026, 12, 31)
    assert fields.day("close_date", date(2026, 1, 2)) == date(2026, 1, 2)
    assert fields.day("close_date", datetime(2026, 1, 2, 10)) == date(2026, 1, 2)
    assert "MM/DD/YYYY" in _error(lambda: fields.day("close_date", "31/12/2026"))["close_date"]
    due = fields.moment("due_at", "31/12/2026 14:30", locale="it")
    assert due == datetime(2026, 12, 31, 14, 30)
    assert "not a date and time" in _error(lambda: fields.moment("due_at", "soon"))["due_at"]


def test_parse_collects_every_field_error_in_the_locale(app):
    with app.test_request_context("/", headers={"Accept-Language": "it"}):
        parsed = fields.parse({"amount": "1.500,50", "close_date": "31/12/26", "probability": "40"})
        assert parsed == {
            "amount": Decimal("1500.50"),
            "close_date": date(2026, 12, 31),
            "probability": 40,
        }
        errors = _error(lambda: fields.parse({"amount": "12.50", "objective": "1,500.50"}))
        assert errors == {
            "amount": "12.50 non è un numero in italiano: scrivi 12,50.",
            "objective": "1,500.50 non è un numero in italiano: scrivi 1500,50 o 1.500,50.",
        }
