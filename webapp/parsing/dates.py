"""Dates as people write them: ISO (``2026-12-31``) or the locale's short form from Babel
(English ``12/31/2026`` or ``12/31/26``, Italian ``31/12/2026`` or ``31/12/26``), digits of
any script read; date-times add a time (``14:30``, ``2:30 PM``). Two-digit years are 20yy.
Persian also reads Solar Hijri dates (``۱۴۰۵/۹/۲۰``): a year from 1300 to 1499 is one."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import jdatetime
from babel import Locale
from babel.dates import get_date_format
from flask_babel import lazy_gettext as _l

from .typed import ParseError, language_name, normalized, shown

ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})(?::([0-9]{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?")
FIELD_PATTERNS = {"d": "([0-9]{1,2})", "M": "([0-9]{1,2})", "y": "([0-9]{4}|[0-9]{2})"}
FIELD_LABELS = {"d": "DD", "M": "MM", "y": "YYYY"}
DEFAULT_TIME = time(9, 0)
SOLAR_HIJRI = frozenset({"fa"})  # languages whose users also write Solar Hijri dates
SOLAR_YEARS = range(1300, 1500)  # 1921 to 2121: no Gregorian year a deal has

# Messages: whole sentences with named placeholders, ready for gettext.
NOT_A_DATE = _l("%(typed)s is not a date in %(language)s: write it as %(form)s or YYYY-MM-DD.")
NOT_A_DATETIME = _l(
    "%(typed)s is not a date and time in %(language)s: write it as %(form)s 14:30 or "
    "YYYY-MM-DD 14:30."
)


@dataclass(frozen=True)
class ShortForm:
    """A locale's short date: the order of day, month and year and the mark between them."""

    language: str  # its code: "it"
    order: tuple[str, ...]
    pattern: re.Pattern
    label: str  # "MM/DD/YYYY"
    solar_hijri: bool = False


@lru_cache(maxsize=32)
def short_form(locale: str) -> ShortForm:
    loc = Locale.parse(locale)
    babel_pattern = normalized(get_date_format("short", locale=loc).pattern)
    order = tuple(m.group(1) for m in re.finditer(r"([dMy])\1*", babel_pattern))
    separator = next((s for s in re.findall(r"[^dMy']+", babel_pattern) if s.strip()), "/")
    separator = separator.strip()
    pattern = re.compile(re.escape(separator).join(FIELD_PATTERNS[f] for f in order))
    label = separator.join(FIELD_LABELS[f] for f in order)
    return ShortForm(loc.language, order, pattern, label, loc.language in SOLAR_HIJRI)


def read_date(text: str, locale: str) -> date:
    """The date ``text`` writes (ISO or ``locale``'s short form); ParseError says the forms."""
    form = short_form(locale)
    found = _date(normalized(str(text)), form)
    if found is None:
        raise ParseError(NOT_A_DATE % _placeholders(text, form))
    return found


def read_datetime(text: str, locale: str, *, default_time: time = DEFAULT_TIME) -> datetime:
    """A date (as ``read_date``) and an optional time after a space or ``T`` (24-hour, or
    with AM/PM); without a time, ``default_time``. Naive, as typed."""
    form = short_form(locale)
    body = normalized(str(text))
    day_text, _, time_text = body.replace("T", " ", 1).partition(" ")
    day = _date(day_text, form)
    at = _time(time_text.strip()) if time_text.strip() else default_time
    if day is None or at is None:
        raise ParseError(NOT_A_DATETIME % _placeholders(text, form))
    return datetime.combine(day, at)


def _placeholders(text: str, form: ShortForm) -> dict:
    return {"typed": shown(text), "language": language_name(form.language), "form": form.label}


def _date(body: str, form: ShortForm) -> date | None:
    iso = ISO.fullmatch(body)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        short = form.pattern.fullmatch(body)
        if short is None:
            return None
        values = dict(zip(form.order, (int(g) for g in short.groups()), strict=True))
        year, month, day = values["y"], values["M"], values["d"]
        if year < 100:
            year += 2000
    try:
        if form.solar_hijri and year in SOLAR_YEARS:
            return jdatetime.date(year, month, day).togregorian()
        return date(year, month, day)
    except ValueError:
        return None


def _time(body: str) -> time | None:
    found = TIME.fullmatch(body)
    if found is None:
        return None
    hour, minute, second = int(found[1]), int(found[2]), int(found[3] or 0)
    if found[4]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if found[4].lower() == "p" else 0)
    try:
        return time(hour, minute, second)
    except ValueError:
        return None
