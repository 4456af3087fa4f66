"""How a report's figures and buckets read in the user's language: amounts and counts with
the locale's marks (``1.234,56`` in Italian), months and quarters named in its calendar.

Persian months are Gregorian buckets (the SQL groups by calendar month) named by the two
Solar Hijri months they span, in Persian digits: ``آذر–دی ۱۴۰۵`` for December 2026."""

from datetime import date, timedelta

import jdatetime
from babel.dates import format_date
from babel.numbers import format_decimal
from flask_babel import gettext as _

from ..i18n.formats import PERSIAN_DIGITS, SOLAR_HIJRI, local_digits
from ..locale import current_locale
from ..money import NONE, money


def amount(value) -> str:
    """A sum of money without its currency, whole units: ``12.500`` in Italian."""
    return NONE if value is None else money(round(value), locale=current_locale())


def count(value) -> str:
    """A whole number with the locale's grouping (``money``'s fast path, no currency)."""
    return NONE if value is None else money(round(value), locale=current_locale())


def days(value) -> str:
    """A number with one decimal, the locale's marks and digits: ``12.5``, ``12,5``, ``۱۲٫۵``."""
    if value is None:
        return NONE
    locale = current_locale()
    return local_digits(format_decimal(value, "#,##0.0", locale=locale, numbering_system="default"))


def percent(value) -> str:
    """A percentage already times 100 (``45.2`` -> ``45%``)."""
    return NONE if value is None else _("%(number)s%%", number=count(value))


def _solar(month: date) -> tuple:
    """The Solar Hijri dates of the first and the last day of a Gregorian month."""
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return tuple(jdatetime.date.fromgregorian(date=d, locale="fa_IR") for d in (month, last))


def signed_percent(value) -> str:
    """A change in percent with its sign and one decimal: ``+5.0%``, ``-2,5%`` in Italian."""
    if value is None:
        return NONE
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return sign + _("%(number)s%%", number=days(abs(value)))


def month_name(month: date) -> str:
    """The month's short name alone: ``Dec``, ``dic``, ``آذر–دی``."""
    if current_locale() in SOLAR_HIJRI:
        first, last = _solar(month)
        return "–".join(dict.fromkeys(d.strftime("%B") for d in (first, last)))
    return format_date(month, "MMM", locale=current_locale())


def month_label(month: date) -> str:
    """The month's short name and year: ``Dec 2026``, ``dic 2026``, ``آذر–دی ۱۴۰۵``."""
    if current_locale() in SOLAR_HIJRI:
        return f"{month_name(month)} {_solar(month)[1].year}".translate(PERSIAN_DIGITS)
    return format_date(month, "MMM y", locale=current_locale())


TEMPLATE_GLOBALS = {
    "report_count": count,
    "report_days": days,
    "report_percent": percent,
    "month_name": month_name,
    "month_label": month_label,
}


def quarter_label(month: date) -> str:
    """A calendar quarter (the month is one of its): ``Q4 2026``, ``T4 2026``; in Persian the
    Solar Hijri months it spans, as months are named: ``سه‌ماهه مهر تا دی ۱۴۰۵``."""
    if current_locale() not in SOLAR_HIJRI:
        return _("Q%(quarter)d %(year)d", quarter=(month.month - 1) // 3 + 1, year=month.year)
    start = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    first = _solar(start)[0]
    last = _solar(start.replace(month=start.month + 2))[1]
    begin = (
        first.strftime("%B") if first.year == last.year else f"{first.strftime('%B')} {first.year}"
    )
    text = _(
        "Quarter %(first)s to %(last)s", first=begin, last=f"{last.strftime('%B')} {last.year}"
    )
    return text.translate(PERSIAN_DIGITS)
