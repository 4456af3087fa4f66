"""Named periods of the report filters, and month/quarter buckets."""

import dataclasses
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PERIODS = {
    "this_month": _l("This month"),
    "last_month": _l("Last month"),
    "this_quarter": _l("This quarter"),
    "last_quarter": _l("Last quarter"),
    "next_quarter": _l("Next quarter"),
    "this_year": _l("This year"),
    "last_year": _l("Last year"),
    "last_12_months": _l("Last 12 months"),
    "next_12_months": _l("Next 12 months"),
    "custom": _l("Custom dates"),
}


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``'s (may be negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_range(period: str, today: date) -> tuple[date, date]:
    """First and last day of a named period (not ``custom``)."""
    month = month_start(today)
    quarter = quarter_start(today)
    last_day = timedelta(days=1)
    ranges = {
        "this_month": (month, add_months(month, 1) - last_day),
        "last_month": (add_months(month, -1), month - last_day),
        "this_quarter": (quarter, add_months(quarter, 3) - last_day),
        "last_quarter": (add_months(quarter, -3), quarter - last_day),
        "next_quarter": (add_months(quarter, 3), add_months(quarter, 6) - last_day),
        "this_year": (date(today.year, 1, 1), date(today.year, 12, 31)),
        "last_year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        "last_12_months": (add_months(month, -11), add_months(month, 1) - last_day),
        "next_12_months": (month, add_months(month, 12) - last_day),
    }
    return ranges[period]


def months(start: date, end: date) -> list[date]:
    """The first day of every month from ``start``'s to ``end``'s, both included."""
    first, last = month_start(start), month_start(end)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, n) for n in range(count)]  # never past December 9999


MAX_MONTHS = 120


def capped(filters, report):
    """``filters`` with a period of at most its last ``MAX_MONTHS`` months, said in the
    report's notes: a report per month stays readable (and quick) whatever dates are typed."""
    first = add_months(month_start(filters.end), 1 - MAX_MONTHS)
    if filters.start >= first:
        return filters
    report.notes.append(
        _("Periods longer than %(count)d years show their last ones.", count=MAX_MONTHS // 12)
    )
    return dataclasses.replace(filters, start=first)
