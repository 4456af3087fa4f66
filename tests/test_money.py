"""One money formatter (webapp/money.py), locale-aware, and human file sizes."""

from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal

from webapp.file_sizes import file_size
from webapp.money import DIGITS, compact_money, money

VALUES = ("0", "0.05", "12", "1234.5", "-1234.56", "-500", "1234567", "999999999999.99")


@pytest.mark.parametrize("locale", ["en", "it", "fa"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "CHF", "JPY", None])
def test_money_reads_as_babel_formats_it(locale, currency):
    """In the locale's own numbering system: Persian separators and digits in Persian."""
    parsed = Locale.parse(locale)
    pattern = parsed.currency_formats["standard"].pattern
    digits = DIGITS.get(parsed.default_numbering_system) or {}
    own = {"locale": locale, "numbering_system": "default"}
    for text in VALUES:
        value = Decimal(text)
        whole = value == value.to_integral()
        if currency is None:
            expected = format_decimal(value, "#,##0" if whole else "#,##0.00", **own)
        else:
            shape = pattern.replace(".00", "") if whole else pattern
            expected = format_currency(value, currency, shape, currency_digits=False, **own)
        assert money(value, currency, locale=locale) == expected.translate(digits)


def test_money_shapes():
    assert money(Decimal("500.00"), "EUR", locale="en") == "€500"
    assert money("1692.00", "EUR", locale="en") == "€1,692"
    assert money(Decimal("1500.5"), "EUR", locale="it") == "1.500,50\xa0€"
    assert money(Decimal("1234.56"), "EUR", locale="fa") == "\u200e€\xa0۱٬۲۳۴٫۵۶"
    assert money(None, "EUR") == "—" and money("not a number", "EUR") == "—"
    assert money(Decimal("NaN"), "EUR") == "—"
    assert compact_money(Decimal("1250000"), "EUR", locale="en") == "€1.2M"
    assert compact_money(Decimal("12500"), "EUR", locale="en") == "€12.5K"
    assert compact_money(Decimal("900"), "EUR", locale="en") == "€900"
    # Persian: its own decimal mark (٫), not a Latin point between Persian digits.
    assert compact_money(Decimal("796100"), "EUR", locale="fa") == "\u200e€\xa0۷۹۶٫۱\xa0هزار"


def test_money_uses_the_request_locale(app):
    with app.test_request_context(headers={"Accept-Language": "it-IT"}):
        assert money(Decimal("2412"), "EUR") == "2.412\xa0€"
        assert app.jinja_env.from_string("{{ v|money('EUR') }}").render(v=Decimal("2412.5")) == (
            "2.412,50\xa0€"
        )
        assert app.jinja_env.from_string("{{ v|compact_money }}").render(v=12500) == "12,5K\xa0€"


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (20, "20 bytes"),
        (1023, "1,023 bytes"),
        (1024, "1 kB"),
        (1536, "1.5 kB"),
        (5 * 1024**2, "5 MB"),
        (3 * 1024**3 // 2, "1.5 GB"),
    ],
)
def test_file_sizes(size, shown):
    assert file_size(size, locale="en") == shown
