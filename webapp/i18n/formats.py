"""Dates, times and plain numbers as the user's language writes them, for templates (filters
``day``, ``moment``, ``ago``, ``number`` and ``percent``).

English and Italian follow Babel (``Dec 1, 2026``, ``1 dic 2026``). Persian shows the Solar
Hijri calendar in Persian digits (``۱۰ آذر ۱۴۰۵``); ``gregorian`` gives the Gregorian date in the
same language, for a tooltip beside it."""

from datetime import date, datetime
from functools import lru_cache

import jdatetime
from babel.dates import format_date, format_timedelta
from babel.numbers import format_decimal, format_percent
from flask_babel import to_user_timezone

from ..locale import current_locale
from ..models._base import utcnow

SOLAR_HIJRI = frozenset({"fa"})
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SOLAR_PATTERNS = {"medium": "%-d %B %Y", "short": "%Y/%m/%d"}


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def day(value, style: str = "medium") -> str:
    """A date (or a datetime's date) in the user's calendar and language; ``""`` for None."""
    if value is None:
        return ""
    return _day(_as_date(value), style, current_locale())


@lru_cache(maxsize=4096)
def _day(value: date, style: str, locale: str) -> str:
    """Babel's formatting costs ~0.1 ms a call and a page shows the same few days again and
    again (its timeline, notes, activities): remembered."""
    if locale in SOLAR_HIJRI:
        found = solar(value)
        if found is not None:
            return found.strftime(SOLAR_PATTERNS[style]).translate(PERSIAN_DIGITS)
        return format_date(value, style, locale=locale).translate(PERSIAN_DIGITS)
    return format_date(value, style, locale=locale)


def solar(value: date) -> jdatetime.date | None:
    """The Solar Hijri date of ``value``; None before its year 1 (622) or past the years
    jdatetime counts (a typed 9999-12-31): such a date is shown in the Gregorian calendar."""
    try:
        return jdatetime.date.fromgregorian(date=value, locale="fa_IR")
    except ValueError:
        return None


def gregorian(value, style: str = "medium") -> str:
    """The Gregorian date in the user's language, whatever their calendar."""
    if value is None:
        return ""
    text = format_date(_as_date(value), style, locale=current_locale())
    return text.translate(PERSIAN_DIGITS) if current_locale() in SOLAR_HIJRI else text


def moment(value: datetime | None) -> str:
    """A stored (naive UTC) date and time in the company's time zone (``BABEL_DEFAULT_TIMEZONE``):
    the day as ``day`` writes it, then the hour and minute."""
    if value is None:
        return ""
    local = to_user_timezone(value)
    clock = local.strftime("%H:%M")  # what Babel's "HH:mm" gives in every locale
    if current_locale() in SOLAR_HIJRI:
        clock = clock.translate(PERSIAN_DIGITS)
    return f"{day(local.date())} {clock}"


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago (or in how long) a stored UTC time is: ``3 days ago``, ``3 giorni fa``."""
    if value is None:
        return ""
    now = now or utcnow()
    text = format_timedelta(value - now, add_direction=True, locale=current_locale())
    return text.translate(PERSIAN_DIGITS) if current_locale() in SOLAR_HIJRI else text


def local_digits(text) -> str:
    """Interface text with its digits as the locale writes them (``30 min`` -> ``۳۰ دقیقه``);
    for words made here only, never for data."""
    text = str(text)
    return text.translate(PERSIAN_DIGITS) if current_locale() in SOLAR_HIJRI else text


_digits = local_digits


def number(value) -> str:
    """A count or plain number in the user's language, every decimal kept: ``1,234.5``,
    ``1.234,5``, ``۱٬۲۳۴٫۵``; ``""`` for None."""
    if value is None:
        return ""
    return _number(value, current_locale())


@lru_cache(maxsize=4096)
def _number(value, locale: str) -> str:
    """Babel takes some 50 µs a number, and pages repeat theirs (counts, probabilities)."""
    text = format_decimal(
        value, locale=locale, decimal_quantization=False, numbering_system="default"
    )
    return _digits(text)  # in the current locale, which is ``locale``


def percent(value) -> str:
    """A whole percentage (25 for 25 %) as the language writes it: ``25%``, ``۲۵%``."""
    if value is None:
        return ""
    return _percent(value, current_locale())


@lru_cache(maxsize=1024)
def _percent(value, locale: str) -> str:
    return _digits(format_percent(value / 100, locale=locale, numbering_system="default"))
