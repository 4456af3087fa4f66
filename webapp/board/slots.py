"""Per-request helpers of the card template: everything a card shows, worked out in Python.

A board renders a hundred cards and more, and Jinja pays for every attribute it reads and
every call it makes, so ``CardSlots.views`` turns a column's cards (board.services.Card rows)
into CardViews holding the card's texts ready to print, in one call per column. What all
cards share is kept per request: one ``url_for`` per endpoint, the owners' initials, one
hook caller per business line (none where no enabled plugin implements the hook; where one
does, the column's deals are loaded in one query for it). A card's menu
(the stages to move to, the plugins' actions) is fetched when it opens (``board.card_actions``).
"""

from dataclasses import dataclass
from functools import lru_cache

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from ..extensions import db
from ..i18n import formats
from ..locale import current_locale
from ..models import Opportunity, Tag
from ..models._base import utcnow
from ..money import money
from ..plugins import flatten, hook

_ID = 987654321  # placeholder id in a URL built once per endpoint
# The sentences a card may show, translated once per request (Flask-Babel's gettext costs
# some 10 µs a call: a board shows hundreds).
WORDS = {
    "owner": _l("Owner: %(name)s"),
    "stale": _l("Stale: %(days)s days in stage (limit %(limit)s)"),
    "next": _l("Next: %(subject)s"),
    "overdue": _l("Overdue: %(subject)s"),
}


@lru_cache(maxsize=4096)
def _day(value, locale: str) -> str:
    """``formats.day`` of a date, kept per (date, locale): Babel takes some 20 µs a date."""
    return formats.day(value)  # in the current locale, which is ``locale``


@dataclass(slots=True)
class CardView:
    id: int
    name: str
    version: int
    stage_id: int
    position: int
    url: str  # the deal's page
    move_url: str  # the move: its page (GET, the menu's link without JavaScript), its POST
    account: str | None
    owner: str  # "Owner: <name>"
    initials: str
    amount: str
    close_date: str | None
    close_passed: bool
    days: str  # "3 days in stage"
    stale: str | None  # "Stale: 40 days in stage (limit 30)", None when not stale
    badges: list[dict]
    tags: list[Tag]
    activity: str | None  # "Next: <subject>"
    activity_due: str | None
    activity_overdue: str | None  # "Overdue: <subject>", None when not overdue


class CardSlots:
    def __init__(self):
        self.now = utcnow()
        self.today = self.now.date()
        self._callers: dict = {}
        self._urls: dict[str, str] = {}
        self._owners: dict[int, tuple[str, str]] = {}
        self._in_stage: dict[int, str] = {}
        self._words: dict[str, str] = {}

    def views(self, cards, extras) -> list[CardView]:
        """The CardViews of ``cards`` (services.Card), with ``extras`` (services.CardExtras)."""
        url, move_url = self.url("opportunities.detail"), self.url("board.move")
        locale = current_locale()
        words = self.words()
        deals = self._deals_for_badges(cards)
        views = []
        for card in cards:
            rotting_days = card.rotting_days
            days = max(0, (self.now - card.stage_entered_at).days)
            due = card.activity_due_at
            overdue = bool(due and due < self.now)
            close = card.close_date
            badges = self._caller("board_card_badges", card.business_line_id)
            opp_id = str(card.id)
            owner, initials = self._owner(card, words)
            stale = bool(rotting_days and days > rotting_days)
            subject = card.activity
            views.append(
                CardView(
                    id=card.id,
                    name=card.name,
                    version=card.version,
                    stage_id=card.stage_id,
                    position=card.position,
                    url=url.replace(str(_ID), opp_id),
                    move_url=move_url.replace(str(_ID), opp_id),
                    account=card.account_name,
                    owner=owner,
                    initials=initials,
                    amount=money(card.amount, card.currency, locale),
                    close_date=_day(close, locale) if close else None,
                    close_passed=bool(close and close < self.today),
                    days=self._days_in_stage(days),
                    stale=words["stale"] % {"days": days, "limit": rotting_days} if stale else None,
                    badges=flatten(badges(opportunity=deals[card.id])) if badges else [],
                    tags=extras.tags.get(card.id, []),
                    activity=None if subject is None else words["next"] % {"subject": subject},
                    activity_due=_day(due.date(), locale) if due else None,
                    activity_overdue=words["overdue"] % {"subject": subject} if overdue else None,
                )
            )
        return views

    def words(self) -> dict[str, str]:
        """WORDS in the user's language (their ``%(...)s`` left to fill)."""
        if not self._words:
            self._words = {key: str(text) for key, text in WORDS.items()}
        return self._words

    def _days_in_stage(self, days: int) -> str:
        if days not in self._in_stage:
            self._in_stage[days] = ngettext("%(num)d day in stage", "%(num)d days in stage", days)
        return self._in_stage[days]

    def _caller(self, name: str, business_line_id: int):
        """The hook caller of a business line, None when no enabled plugin there implements
        ``name`` (then the card skips the call altogether)."""
        key = (name, business_line_id)
        if key not in self._callers:
            caller = hook(name, business_line_id=business_line_id)
            self._callers[key] = caller if caller.get_hookimpls() else None
        return self._callers[key]

    def _deals_for_badges(self, cards) -> dict[int, Opportunity]:
        """The deals whose business line has a plugin drawing badges (one query), by id."""
        ids = [c.id for c in cards if self._caller("board_card_badges", c.business_line_id)]
        if not ids:
            return {}
        return {
            o.id: o for o in db.session.scalars(select(Opportunity).where(Opportunity.id.in_(ids)))
        }

    def url(self, endpoint: str) -> str:
        """``url_for(endpoint)`` for the placeholder deal ``_ID``."""
        if endpoint not in self._urls:
            self._urls[endpoint] = url_for(endpoint, opportunity_id=_ID)
        return self._urls[endpoint]

    def _owner(self, card, words) -> tuple[str, str]:
        """("Owner: <name>", initials) of the card's owner."""
        if card.owner_id not in self._owners:
            parts = card.owner_name.split()[:2]
            initials = "".join(p[0] for p in parts).upper() or card.owner_email[:2].upper()
            self._owners[card.owner_id] = (words["owner"] % {"name": card.owner_name}, initials)
        return self._owners[card.owner_id]
