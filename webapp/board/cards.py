"""One board card as HTML: the board's own answers and other features that change a card
(the schedule dialog) render it with the same context."""

from flask import render_template
from flask_login import current_user

from . import services
from .card_html import CardHtml


def card_context() -> dict:
    """What every card template needs besides the card: its HTML writer and the user's density."""
    density = getattr(current_user, "board_density", None) or "compact"
    return {
        "card_html": CardHtml(comfortable=density == "comfortable"),
        "density": density,
        "densities": services.DENSITIES,
        "density_labels": services.DENSITY_LABELS,
    }


def render_card(opp) -> str:
    """``opp``'s card with its next activity, as the board draws it for the current user."""
    card = services.card(opp.id)
    comfortable = getattr(current_user, "board_density", None) == "comfortable"
    return render_template(
        "board/_card.html",
        card=card,
        extras=services.CardExtras.of([card], comfortable),
        **card_context(),
    )
