"""The time-in-stage report's summary (models.StageVisitDay): the ended visits of the stage
history counted and their lengths summed by stage and by the day they ended, so the report
reads some thousand rows a year instead of every visit.

Kept as the funnel's summary is (``reports.summaries`` calls both): a writer of the stage
history takes the deals' rows before its change (``snapshot``) and adds the difference after
it (``changed``); a deleted stage, whose visits become its heir's, rebuilds the pipeline's rows
(``rebuild``). A new deal's one visit goes on: creating deals changes nothing here. The deals
in the trash stay counted: the report takes theirs away (few are).
"""

from functools import cache

from sqlalchemy import Date, bindparam, delete, func, insert, select

from ..extensions import db
from ..models import Stage, StageHistory, StageVisitDay
from .sql import add_rows

KEY = ("pipeline_id", "stage_id", "day")
CHUNK = 500


def contributions(*conditions):
    """The summary's rows (KEY columns, ``visits`` and ``days``) of the ended visits that
    ``conditions`` (on StageHistory, e.g. its deal) keep, computed from the history."""
    day = func.date(StageHistory.left_at, type_=Date).label("day")
    return (
        select(
            Stage.pipeline_id,
            StageHistory.stage_id,
            day,
            func.count().label("visits"),
            func.coalesce(func.sum(StageHistory.days), 0.0).label("days"),
        )
        .join(Stage, Stage.id == StageHistory.stage_id)
        .where(StageHistory.left_at.is_not(None), *conditions)
        .group_by(Stage.pipeline_id, StageHistory.stage_id, day)
    )


@cache
def _of_deals():
    """``contributions`` of the deals bound as ``ids``, built once (a move reads it twice)."""
    return contributions(StageHistory.opportunity_id.in_(bindparam("ids", expanding=True)))


Rows = dict[tuple, tuple[int, float]]


def snapshot(deal_ids) -> Rows:
    """The deals' ended visits by summary key: (visits, days), as their history says now."""
    found: dict[tuple, tuple[int, float]] = {}
    ids = list(deal_ids)
    for start in range(0, len(ids), CHUNK):
        for *key, visits, days in db.session.execute(
            _of_deals(), {"ids": ids[start : start + CHUNK]}
        ):
            old = found.get(tuple(key), (0, 0.0))
            found[tuple(key)] = (old[0] + visits, old[1] + float(days))
    return found


def changed(deal_ids, before: Rows) -> None:
    """Add to the summary the difference between the deals' rows now and ``before`` (their
    ``snapshot`` before the change): one statement, whatever the number of deals."""
    db.session.flush()
    after = snapshot(deal_ids)
    deltas = {}
    for key in before.keys() | after.keys():
        (was, was_days), (now, now_days) = before.get(key, (0, 0.0)), after.get(key, (0, 0.0))
        if now != was or now_days != was_days:
            deltas[key] = (now - was, now_days - was_days)
    _add(deltas)


def _add(deltas: Rows) -> None:
    if not deltas:
        return
    rows = [
        {**dict(zip(KEY, key, strict=True)), "visits": visits, "days": days}
        for key, (visits, days) in deltas.items()
    ]
    add_rows(StageVisitDay.__table__, rows, ["stage_id", "day"], ["visits", "days"])


def rebuild(pipeline_id=None) -> None:
    """Recompute the summary of one pipeline (or of all) from the stage history."""
    db.session.flush()
    table = StageVisitDay.__table__
    stages = [] if pipeline_id is None else [Stage.pipeline_id == pipeline_id]
    clear = [] if pipeline_id is None else [table.c.pipeline_id == pipeline_id]
    db.session.execute(delete(table).where(*clear))
    db.session.execute(
        insert(table).from_select([*KEY, "visits", "days"], contributions(*stages)),
        execution_options={"synchronize_session": False},
    )


def tally(stage_ids, start_day, end_day):
    """(stage id, visits, days) of the visits to ``stage_ids`` ended in [start_day, end_day)
    (``end_day`` None: no end), from the summary."""
    table = StageVisitDay
    period = [table.day >= start_day] + ([] if end_day is None else [table.day < end_day])
    return (
        select(
            table.stage_id,
            func.sum(table.visits).label("visits"),
            func.sum(table.days).label("days"),
        )
        .where(table.stage_id.in_(stage_ids), *period)
        .group_by(table.stage_id)
    )
