"""The stage history's summaries, kept in the same transaction by every writer of the history
or of a deal's status: the conversion funnel's (``funnel_days``) and the time in stage's
(``visit_days``). A writer takes the deals' ``snapshot`` before its change and calls
``changed`` after it; a change of a pipeline's stages calls ``rebuild``."""

from collections import Counter
from typing import NamedTuple

from . import funnel_days, visit_days


class Snapshot(NamedTuple):
    funnel: Counter
    visits: dict


def snapshot(deal_ids) -> Snapshot:
    """The deals' rows in both summaries, as their history says now."""
    ids = list(deal_ids)
    return Snapshot(funnel_days.snapshot(ids), visit_days.snapshot(ids))


def changed(deal_ids, before: Snapshot | None = None) -> None:
    """Add to both summaries the difference the change made (``before`` None: new deals)."""
    ids = list(deal_ids)
    before = before or Snapshot(Counter(), {})
    funnel_days.changed(ids, before.funnel)
    visit_days.changed(ids, before.visits)


def rebuild(pipeline_id=None) -> None:
    """Recompute both summaries of one pipeline (or of all) from the stage history."""
    funnel_days.rebuild(pipeline_id)
    visit_days.rebuild(pipeline_id)
