"""Per-request helpers of the card template: plugin slots, card URLs, stages.

``CardSlots.badges`` equals ``run_hook(name, opportunity=card)`` but keeps one hook caller
per business line instead of building a subset caller for every card, and ``url`` builds a
card's links from one ``url_for`` per endpoint: a board shows hundreds of cards and these
were a third of its render time. A card's actions are fetched when its menu opens.
"""

from flask import url_for
from markupsafe import Markup

from ..plugins import flatten, hook

_ID = 987654321  # placeholder id in a URL built once per endpoint


class CardSlots:
    def __init__(self, user):
        self.user = user  # the user object, not the current_user proxy: hooks read it per card
        self._callers: dict = {}
        self._urls: dict[str, str] = {}
        self._stages: dict[int, list] = {}
        self._options: dict[tuple[int, int], Markup] = {}

    def _caller(self, name: str, card):
        """The hook caller of the card's business line, None when no enabled plugin there
        implements ``name`` (then the card skips the call altogether)."""
        key = (name, card.business_line_id)
        if key not in self._callers:
            caller = hook(name, card)
            self._callers[key] = caller if caller.get_hookimpls() else None
        return self._callers[key]

    def badges(self, card) -> list[dict]:
        caller = self._caller("board_card_badges", card)
        return flatten(caller(opportunity=card)) if caller else []

    def has_actions(self, card) -> bool:
        """Whether a plugin enabled in the card's business line offers actions: the card then
        shows a menu that fetches them when opened (``board.card_actions``)."""
        return self._caller("opportunity_actions", card) is not None

    def url(self, endpoint: str, card) -> str:
        """``url_for(endpoint, opportunity_id=card.id)``."""
        if endpoint not in self._urls:
            self._urls[endpoint] = url_for(endpoint, opportunity_id=_ID)
        return self._urls[endpoint].replace(str(_ID), str(card.id))

    def _pipeline_stages(self, card) -> list:
        if card.pipeline_id not in self._stages:
            self._stages[card.pipeline_id] = list(card.pipeline.stages)
        return self._stages[card.pipeline_id]

    def stage_options(self, card) -> Markup:
        """The ``<option>``s of the card's stage selector, its stage selected; built once
        per pipeline and stage (``Markup.format`` escapes the names)."""
        key = (card.pipeline_id, card.stage_id)
        if key not in self._options:
            option = Markup('<option value="{}"{}>{}</option>')
            self._options[key] = Markup("").join(
                option.format(s.id, Markup(" selected") if s.id == card.stage_id else "", s.name)
                for s in self._pipeline_stages(card)
            )
        return self._options[key]

    def rotting_days(self, card) -> int | None:
        """The rotting days of the card's stage (as ``card.stage.rotting_days``)."""
        stage = next((s for s in self._pipeline_stages(card) if s.id == card.stage_id), None)
        return stage.rotting_days if stage else None
