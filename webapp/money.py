"""Money as people read it, in their locale: ``money(1234.5, "EUR")`` -> ``€1,234.50`` in
English, ``1.234,50 €`` in Italian; whole amounts drop the cents (``€500``).

The one formatter of the app: the Jinja filters ``money`` and ``compact_money``, the board's
alerts and totals, reports and plugins all call it. It reads CLDR data through Babel and
gives what Babel's ``format_currency`` gives with the locale's own numbering system, digits
included (``‎€ ۱٬۲۳۴٫۵۶`` in Persian: tests/test_money.py checks it), but works out
the locale's pattern, symbols and currency sign once per (locale, currency): a board renders
a hundred amounts and Babel's own call costs about 30 µs each.
"""

from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_compact_currency, get_currency_symbol
from flask import current_app, has_app_context

from .locale import current_locale

NONE = "—"


def default_currency() -> str:
    """The currency of sums that mix deals (column totals, reports): ``DEFAULT_CURRENCY``."""
    return current_app.config.get("DEFAULT_CURRENCY", "EUR") if has_app_context() else "EUR"


# The digits of the numbering systems the supported locales default to, beside Latin ones.
DIGITS = {"arabext": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")}


@lru_cache(maxsize=256)
def _style(locale: str, currency: str | None) -> tuple[str, str, str, str, str, str, dict | None]:
    """(positive prefix, positive suffix, negative prefix, negative suffix, group, decimal,
    digits table or None for Latin digits), in the locale's default numbering system."""
    loc = Locale.parse(locale)
    numbering = loc.default_numbering_system
    symbols = loc.number_symbols[numbering]
    if currency is None:  # a plain amount: the locale's decimal pattern
        pattern = loc.decimal_formats[None]
        sign = ""
    else:
        pattern = loc.currency_formats["standard"]
        sign = get_currency_symbol(currency, loc)
    affixes = [part.replace("¤", sign) for part in (*pattern.prefix, *pattern.suffix)]
    plus, minus, plus_end, minus_end = affixes
    digits = DIGITS.get(numbering)
    return plus, plus_end, minus, minus_end, symbols["group"], symbols["decimal"], digits


def _decimal(value) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def money(value, currency: str | None = None, locale: str | None = None) -> str:
    """An amount in the user's locale, with the currency's sign when given; whole amounts
    without cents; ``—`` for no value."""
    number = _decimal(value) if value is not None else None
    if number is None:
        return NONE
    plus, plus_end, minus, minus_end, group, decimal, native = _style(
        locale or current_locale(), currency or None
    )
    number = number.quantize(Decimal("0.01"))
    digits = f"{abs(number):,.2f}"
    if digits.endswith(".00"):
        digits = digits[:-3]
    if (group, decimal) != (",", "."):
        digits = digits.replace(",", "\x00").replace(".", decimal).replace("\x00", group)
    if native:
        digits = digits.translate(native)
    if number < 0:
        return f"{minus}{digits}{minus_end}"
    return f"{plus}{digits}{plus_end}"


def compact_money(value, currency: str | None = None, locale: str | None = None) -> str:
    """Column totals: ``€1.2M``, ``€12.5K`` (Babel's short currency forms, one decimal)."""
    number = _decimal(value or 0) or Decimal(0)
    return _compact(number, currency or default_currency(), locale or current_locale())


@lru_cache(maxsize=4096)
def _compact(number: Decimal, currency: str, locale: str) -> str:
    """Babel's short form costs ~80 µs a call and a board shows a dozen totals that change
    rarely between two renders: remembered."""
    text = format_compact_currency(
        number, currency, locale=locale, fraction_digits=1, numbering_system="default"
    )
    digits = DIGITS.get(Locale.parse(locale).default_numbering_system)
    return text.translate(digits) if digits else text
