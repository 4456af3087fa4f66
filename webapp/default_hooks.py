"""The core's own hook implementations, registered like any plugin (always enabled)."""

from .hookspecs import hookimpl


@hookimpl
def board_card_badges(opportunity):
    """Badge a card whose deal sat in its stage longer than the stage's rotting days."""
    if opportunity.is_rotting():
        return [{"label": f"{opportunity.days_in_stage()}d in stage", "style": "danger"}]
    return []
