"""Contract terms: when a won deal's term ends, and the defaults of its duplicates."""

import calendar
import re
from datetime import date, timedelta

from webapp.models import Opportunity

DEFAULT_TERM_MONTHS = 12
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (negative too), clamped to the target month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def term_start(opp: Opportunity) -> date | None:
    return opp.contract_start or opp.close_date


def term_end(opp: Opportunity) -> date | None:
    """The day the deal's contract term ends (start + months), or None without a term."""
    start = term_start(opp)
    if not opp.contract_months or start is None:
        return None
    return add_months(start, opp.contract_months)


def renewal_close_date(opp: Opportunity, today: date | None = None) -> date:
    """Original close date + the term (default 12 months)."""
    base = opp.close_date or today or date.today()
    return add_months(base, opp.contract_months or DEFAULT_TERM_MONTHS)


def default_close_date(opp: Opportunity, kind: str, today: date | None = None) -> date:
    today = today or date.today()
    if kind == "renewal":
        return renewal_close_date(opp, today)
    if kind == "copy" and opp.close_date and opp.close_date >= today:
        return opp.close_date
    return today + timedelta(days=30)


def default_name(opp: Opportunity, kind: str, close_date: date | None) -> str:
    """A renewal closing in 2028 of "Verde training 2026" is "Verde training 2028" (the year
    replaced, or added when the name has none; nothing else piles up); "… – upsell";
    "… (copy)"."""
    name = opp.name
    if kind == "renewal":
        year = str((close_date or date.today()).year)
        found = list(YEAR.finditer(name))
        if found:
            last = found[-1]
            name = name[: last.start()] + year + name[last.end() :]
        else:
            name = f"{name} {year}"
    else:
        suffix = " – upsell" if kind == "upsell" else " (copy)"
        name = name if name.endswith(suffix) else f"{name}{suffix}"
    return name[:200]
