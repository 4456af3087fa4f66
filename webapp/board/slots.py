"""Per-request helpers of the card template: what a card shows beyond the deal's fields.

A board renders a hundred cards and more; Jinja pays for every call a template makes, so
``CardSlots.view`` computes in one call what a card needs (links, days in stage, staleness,
plugin badges, next activity), and keeps per request what all cards share: one ``url_for``
per endpoint, one hook caller per business line (none where no enabled plugin implements the
hook). A card's menu (the stages to move to, the plugins' actions) is fetched when it opens
(``board.card_actions``).
"""

from dataclasses import dataclass

from flask import url_for

from ..models import Activity, Opportunity
from ..models._base import utcnow
from ..plugins import flatten, hook

_ID = 987654321  # placeholder id in a URL built once per endpoint


@dataclass(slots=True)
class CardView:
    url: str  # the deal's page
    move_url: str  # the move: its page (GET, the menu's link without JavaScript), its POST
    days: int  # in the current stage
    rotting_days: int | None
    stale: bool
    close_date: str | None
    close_passed: bool
    badges: list[dict]
    activity: Activity | None
    activity_overdue: bool
    activity_due: str | None


class CardSlots:
    def __init__(self):
        self.now = utcnow()
        self.today = self.now.date()
        self._callers: dict = {}
        self._urls: dict[str, str] = {}
        self._stages: dict[int, list] = {}

    def view(self, card: Opportunity, next_activities: dict) -> CardView:
        """Everything the card template shows of ``card`` beyond its own fields."""
        rotting_days = self._stage_rotting_days(card)
        days = card.days_in_stage(self.now)
        activity = next_activities.get(card.id)
        due = activity.due_at if activity else None
        badges = self._caller("board_card_badges", card)
        return CardView(
            url=self.url("opportunities.detail", card),
            move_url=self.url("board.move", card),
            days=days,
            rotting_days=rotting_days,
            stale=bool(rotting_days and days > rotting_days),
            close_date=card.close_date.strftime("%d %b %Y") if card.close_date else None,
            close_passed=bool(card.close_date and card.close_date < self.today),
            badges=flatten(badges(opportunity=card)) if badges else [],
            activity=activity,
            activity_overdue=bool(activity and activity.is_overdue(self.now)),
            activity_due=due.strftime("%d %b") if due else None,
        )

    def _caller(self, name: str, card):
        """The hook caller of the card's business line, None when no enabled plugin there
        implements ``name`` (then the card skips the call altogether)."""
        key = (name, card.business_line_id)
        if key not in self._callers:
            caller = hook(name, card)
            self._callers[key] = caller if caller.get_hookimpls() else None
        return self._callers[key]

    def url(self, endpoint: str, card) -> str:
        """``url_for(endpoint, opportunity_id=card.id)``."""
        if endpoint not in self._urls:
            self._urls[endpoint] = url_for(endpoint, opportunity_id=_ID)
        return self._urls[endpoint].replace(str(_ID), str(card.id))

    def _pipeline_stages(self, card) -> list:
        if card.pipeline_id not in self._stages:
            self._stages[card.pipeline_id] = list(card.pipeline.stages)
        return self._stages[card.pipeline_id]

    def _stage_rotting_days(self, card) -> int | None:
        """The rotting days of the card's stage (as ``card.stage.rotting_days``)."""
        stage = next((s for s in self._pipeline_stages(card) if s.id == card.stage_id), None)
        return stage.rotting_days if stage else None
