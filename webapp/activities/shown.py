"""Days and times of the activities pages as the user's language writes them: ``Mon 1 Dec``,
``lun 1 dic``, ``دوشنبه ۱۰ آذر`` (Solar Hijri, Persian digits) and ``09:30`` (``۰۹:۳۰``).

Due times are shown as stored (the time the person typed), like the inputs that edit them."""

from datetime import date, datetime

from babel.dates import format_date

from ..i18n.formats import PERSIAN_DIGITS, SOLAR_HIJRI, local_digits, solar
from ..locale import current_locale


def _day(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def weekday_and_day(value) -> str:
    """The weekday, the day and the month, without the year (calendar columns, due dates)."""
    if value is None:
        return ""
    locale, day = current_locale(), _day(value)
    if locale in SOLAR_HIJRI:
        found = solar(day)
        month_day = (
            found.strftime("%-d %B") if found else format_date(day, "d MMMM y", locale=locale)
        )
        return f"{format_date(day, 'EEEE', locale=locale)} {month_day}".translate(PERSIAN_DIGITS)
    return format_date(day, "EEE d MMM", locale=locale)


def clock(value) -> str:
    """Hours and minutes, 24-hour: ``14:30``."""
    if value is None:
        return ""
    text = f"{value:%H:%M}"
    return text.translate(PERSIAN_DIGITS) if current_locale() in SOLAR_HIJRI else text


FILTERS = {"weekday_and_day": weekday_and_day, "clock": clock, "local_digits": local_digits}
