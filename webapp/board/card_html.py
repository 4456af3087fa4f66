"""The board's cards as HTML, built in Python.

A board draws a hundred cards and more, and Jinja pays for every attribute a template reads,
every call and every escape (some 3,000 a board), so ``CardHtml.cards`` writes a column's
cards in one call, escaping every value as the template would (deal, account, owner and
activity names and tags are user data). What all cards share is worked out once per request:
one ``url_for`` per endpoint, the translated words (escaped), the owners' initials, one hook
caller per business line (none where no enabled plugin implements ``board_card_badges``;
where one does, the column's deals are loaded in one query for it). A card's menu (the
stages to move to, the plugins' actions) is fetched when it opens (``board.card_actions``).

A compact card shows the name, account, amount, close date, owner and its flags; a
comfortable one also its days in stage, next activity and tags. The card carries no stage
selector: the board's one mover (_mover.html) comes to a card that takes the focus, the
card's menu lists the stages, and without JavaScript the menu's link opens the move page.
"""

from functools import lru_cache

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape
from sqlalchemy import select

from ..extensions import db
from ..i18n import formats
from ..locale import current_locale
from ..models import Opportunity
from ..models._base import utcnow
from ..money import money
from ..plugins import flatten, hook

_ID = "987654321"  # placeholder id in a URL built once per endpoint
# What a card may say, translated once per request (Flask-Babel's gettext costs some 10 µs a
# call: a board shows hundreds).
WORDS = {
    "actions": _l("Actions"),
    "no_account": _l("No account"),
    "close": _l("Expected close"),
    "no_activity": _l("No next activity"),
    "owner": _l("Owner: %(name)s"),
    "stale": _l("Stale: %(days)s days in stage (limit %(limit)s)"),
    "next": _l("Next: %(subject)s"),
    "overdue": _l("Overdue: %(subject)s"),
}


@lru_cache(maxsize=4096)
def _day(value, locale: str) -> str:
    """``formats.day`` of a date, escaped, kept per (date, locale): Babel takes some 20 µs."""
    return escape(formats.day(value))  # in the current locale, which is ``locale``


class CardHtml:
    """The cards of one request, for a user who chose ``comfortable`` cards or not."""

    def __init__(self, comfortable: bool = False):
        self.comfortable = comfortable
        self.now = utcnow()
        self.today = self.now.date()
        self._callers: dict = {}
        self._urls: dict[str, str] = {}
        self._owners: dict[int, tuple[str, str]] = {}
        self._in_stage: dict[int, str] = {}
        self._words: dict[str, str] = {}

    def cards(self, cards, extras) -> Markup:
        """The HTML of ``cards`` (services.Card rows), with ``extras`` (services.CardExtras)."""
        return Markup("\n".join(self._cards(cards, extras)))

    def _cards(self, cards, extras):
        url, move_url = self.url("opportunities.detail"), self.url("board.move")
        locale = current_locale()
        w = self.words()
        deals = self._deals_for_badges(cards)
        for card in cards:
            id_ = card.id
            days = max(0, (self.now - card.stage_entered_at).days)
            rotting = card.rotting_days
            stale = (
                w["stale"] % {"days": days, "limit": rotting} if rotting and days > rotting else ""
            )
            owner, initials = self._owner(card, w)
            close = card.close_date
            if close:
                passed = "text-danger" if close < self.today else "text-body-secondary"
                close = f'<span class="{passed}" title="{w["close"]}">{_day(close, locale)}</span>'
            yield (
                f'<article class="card board-card{" rotting" if stale else ""}" id="card-{id_}"'
                f' data-id="{id_}" data-version="{card.version}" data-stage="{card.stage_id}"'
                f' data-position="{card.position}" aria-labelledby="card-title-{id_}">'
                '<div class="card-body">\n<div class="board-card-head">'
                f'<a class="board-card-title" id="card-title-{id_}"'
                f' href="{url.replace(_ID, str(id_))}">{escape(card.name)}</a>'
                f'<a class="board-card-menu btn" href="{move_url.replace(_ID, str(id_))}"'
                f' aria-haspopup="menu" aria-label="{w["actions"]}"'
                f' aria-describedby="card-title-{id_}">⋯</a></div>\n'
                '<div class="board-card-facts"><span class="text-body-secondary text-truncate">'
                f"{escape(card.account_name) if card.account_name else w['no_account']}</span>"
                f'<span class="board-owner" title="{owner}">{initials}</span></div>\n'
                '<div class="board-card-facts"><span class="fw-semibold" data-amount>'
                f"{escape(money(card.amount, card.currency, locale))}</span>{close or ''}</div>"
                f"{self._tags(extras.tags.get(id_)) if self.comfortable else ''}"
                f"{self._badges(card, deals)}{self._flags(card, days, stale, w, locale)}"
                "\n</div></article>"
            )

    def _flags(self, card, days: int, stale: str, w: dict, locale: str) -> str:
        """Days in stage and next activity (comfortable), or only what needs attention."""
        subject, due = card.activity, card.activity_due_at
        overdue = bool(due and due < self.now)
        if self.comfortable:
            if stale:
                in_stage = f'<span class="text-danger fw-semibold" data-stale>{stale}</span>'
            else:
                in_stage = f'<span class="text-body-secondary" data-days>{self._days(days)}</span>'
            if subject is None:
                activity = f'<span class="text-warning-emphasis">{w["no_activity"]}</span>'
            else:
                when = f" · {_day(due.date(), locale)}" if due else ""
                activity = (
                    f'<span class="{"text-danger" if overdue else "text-body-secondary"}">'
                    f"{w['next'] % {'subject': escape(subject)}}{when}</span>"
                )
            return (
                f'\n<div class="small mt-1">{in_stage}</div>\n'
                f'<div class="small text-truncate" data-next-activity>{activity}</div>'
            )
        if not (stale or subject is None or overdue):
            return ""
        flags = f'<span class="text-danger fw-semibold" data-stale>{stale}</span> ' if stale else ""
        if subject is None:
            flags += (
                f'<span class="text-warning-emphasis" data-next-activity>{w["no_activity"]}</span>'
            )
        elif overdue:
            text = w["overdue"] % {"subject": escape(subject)}
            flags += f'<span class="text-danger" data-next-activity>{text}</span>'
        return f'\n<div class="board-card-flags text-truncate">{flags}</div>'

    @staticmethod
    def _tags(tags) -> str:
        if not tags:
            return ""
        badges = "".join(
            f'<span class="badge text-bg-{escape(t.color)} me-1">{escape(t.name)}</span>'
            for t in tags
        )
        return f'<div class="mt-1">{badges}</div>'

    def _badges(self, card, deals) -> str:
        """The badges plugins give the card (``board_card_badges``)."""
        caller = self._caller("board_card_badges", card.business_line_id)
        if not caller:
            return ""
        return "".join(
            f'<span class="badge text-bg-{escape(b.get("style") or "info")} mt-1">'
            f"{escape(b['label'])}</span>"
            for b in flatten(caller(opportunity=deals[card.id]))
        )

    def words(self) -> dict[str, str]:
        """WORDS in the user's language, escaped (their ``%(...)s`` left to fill)."""
        if not self._words:
            self._words = {key: str(escape(str(text))) for key, text in WORDS.items()}
        return self._words

    def _days(self, days: int) -> str:
        if days not in self._in_stage:
            text = ngettext("%(num)d day in stage", "%(num)d days in stage", days)
            self._in_stage[days] = escape(text)
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
        """``url_for(endpoint)`` for the placeholder deal ``_ID``, escaped."""
        if endpoint not in self._urls:
            self._urls[endpoint] = str(escape(url_for(endpoint, opportunity_id=int(_ID))))
        return self._urls[endpoint]

    def _owner(self, card, w) -> tuple[str, str]:
        """("Owner: <name>", initials) of the card's owner, escaped."""
        if card.owner_id not in self._owners:
            parts = card.owner_name.split()[:2]
            initials = "".join(p[0] for p in parts).upper() or card.owner_email[:2].upper()
            owner = w["owner"] % {"name": escape(card.owner_name)}
            self._owners[card.owner_id] = (owner, escape(initials))
        return self._owners[card.owner_id]
