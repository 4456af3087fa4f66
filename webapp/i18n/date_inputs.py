"""The attributes of a date (or date and time) input in the reader's calendar.

English and Italian readers get the browser's own picker (``type="date"``, ISO values). The
browser's picker knows only the Gregorian calendar, so a Persian reader gets a text input
showing the Solar Hijri date in Persian digits (``۱۴۰۵/۰۹/۲۰``, ``۱۴۰۵/۰۹/۲۰ ۱۴:۳۰``), which
``webapp.parsing.dates`` reads back like any typed date. Templates:
``<input name="close_date" {{ date_input(value)|xmlattr }}>``, or for a WTForms field
``field(**date_input(field.data))``."""

import re
from datetime import date, datetime

from flask_babel import gettext as _

from ..locale import current_locale
from .formats import PERSIAN_DIGITS, SOLAR_HIJRI, day

ISO_VALUE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}:[0-9]{2}))?")


def date_input(value, with_time: bool = False) -> dict:
    """``type``, ``value`` and, for a typed Solar Hijri date, ``inputmode``, ``autocomplete``
    and ``placeholder``. ``value``: a date, a datetime, an ISO text or what was typed (kept)."""
    if current_locale() not in SOLAR_HIJRI:
        return {"type": "datetime-local" if with_time else "date", "value": _iso(value, with_time)}
    hint = _("year/month/day hour:minute") if with_time else _("year/month/day")
    return {
        "type": "text",
        "value": _solar(value, with_time),
        "inputmode": "numeric",
        "autocomplete": "off",
        "placeholder": hint,
    }


def _iso(value, with_time: bool) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M") if with_time else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _solar(value, with_time: bool) -> str:
    """The Solar Hijri text of a date or datetime, or of an ISO text; other text as typed."""
    if isinstance(value, str):
        found = ISO_VALUE.fullmatch(value.strip())
        if found is None:
            return value
        try:
            value = date.fromisoformat(found[1])
        except ValueError:
            return value
        clock = found[2]
    elif isinstance(value, datetime):
        clock = value.strftime("%H:%M")
    elif isinstance(value, date):
        clock = None
    else:
        return ""
    shown = day(value, "short")
    if with_time and clock:
        shown += " " + clock.translate(PERSIAN_DIGITS)
    return shown
