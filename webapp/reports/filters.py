"""The filters every report shares, read from the URL: business line, pipeline, owner or
team, and period. Unknown or malformed values fall back to defaults; a date a person typed
that cannot be read is kept with its reason under ``errors``."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from ..inputs import integer, search_text
from ..listing.engine import owner_param
from ..locale import current_locale
from ..models._base import utcnow
from ..parsing import ParseError, read_date
from .periods import PERIODS, period_range


@dataclass(frozen=True)
class ReportFilters:
    business_line_id: int | None
    pipeline_id: int | None
    owner: str  # "me", "all" or a user id (listing.engine.owner_param)
    team: int | None
    period: str
    start: date
    end: date
    typed: dict = field(default_factory=dict)  # custom dates as typed, to show them back
    errors: dict = field(default_factory=dict)

    def args(self, **changes) -> dict:
        """These filters as query parameters (for links: CSV download, other reports)."""
        values = {
            "business_line": self.business_line_id,
            "pipeline": self.pipeline_id,
            "owner": self.owner,
            "team": self.team,
            "period": self.period,
        }
        if self.period == "custom":
            values["from"] = self.start.isoformat()
            values["to"] = self.end.isoformat()
        values.update(changes)
        return {key: value for key, value in values.items() if value not in (None, "")}


def filters_from(args, default_period: str = "this_quarter", today: date | None = None):
    """``ReportFilters`` from query parameters; ``default_period`` is the report's own."""
    today = today or utcnow().date()
    period = args.get("period") or default_period
    if period not in PERIODS:
        period = default_period
    errors, typed = {}, {}
    if period == "custom":
        start, end = period_range(default_period, today)
        read = {}
        for key in ("from", "to"):
            text = search_text(args.get(key))
            typed[key] = text or ""
            if text:
                try:
                    read[key] = read_date(text, current_locale())
                except ParseError as exc:
                    errors[key] = str(exc)
        start, end = read.get("from", start), read.get("to", end)
        if start > end:
            if len(read) == 2:
                errors["to"] = _("The end of the period comes before its start.")
                start, end = end, start
            elif "from" in read:
                end = start  # only the start was read: a one-day period, not a reversed one
            else:
                start = end
    else:
        start, end = period_range(period, today)
    return ReportFilters(
        business_line_id=integer(args.get("business_line"), minimum=1),
        pipeline_id=integer(args.get("pipeline"), minimum=1),
        owner=owner_param(args, "all"),
        team=integer(args.get("team"), minimum=1),
        period=period,
        start=start,
        end=end,
        typed=typed,
        errors=errors,
    )
