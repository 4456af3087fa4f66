"""The conversion funnel's summary (models.FunnelDay): the open-stage visits of the stage
history counted by the day they began, so the funnel reads some thousand rows a year instead
of every visit.

A deal's visits are summed under keys its own history decides (the previous entry into the
same stage, whether a stage further along was entered at or after the visit, whether the
deal is won now), so a writer of the stage history or of a deal's status keeps the summary by
taking the deals' keys before its change (``snapshot``) and adding the difference after it
(``changed``); an import adds its new deals' keys computed from the values it writes
(``new_deals``). A change of stage order or a deleted stage rebuilds the pipeline's rows
(``rebuild``). The deals in the trash stay counted: the report takes theirs away (few are).
"""

from collections import Counter
from datetime import date
from functools import cache

from sqlalchemy import (
    Boolean,
    Date,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import FunnelDay, Opportunity, Stage, StageHistory
from .sql import add_rows

KEY = ("pipeline_id", "stage_id", "day", "prev_day", "moved", "won")
ANY_STAGE = 0  # the stage of the rows counting the deals in the funnel
NEVER = date(1, 1, 1)  # the previous entry of a first one: before any period
CHUNK = 500
UNIQUE = ("pipeline_id", "day", "stage_id", "prev_day", "moved", "won")  # its order


def _day(column):
    return func.date(column, type_=Date)


def _prev_day(column):
    return func.coalesce(_day(column), literal(NEVER, Date))


def contributions(*conditions):
    """The summary's rows (KEY columns and ``visits``) of the deals' visits that
    ``conditions`` (on StageHistory, e.g. its deal) keep, computed from the history."""
    order = (StageHistory.entered_at, StageHistory.id)
    visits = (
        select(
            StageHistory.opportunity_id,
            StageHistory.stage_id,
            StageHistory.entered_at,
            Stage.pipeline_id,
            Stage.position,
            (Opportunity.status == "won").label("won"),
            func.lag(StageHistory.entered_at)
            .over(partition_by=(StageHistory.opportunity_id, StageHistory.stage_id), order_by=order)
            .label("prev_same"),
            func.lag(StageHistory.entered_at)
            .over(partition_by=StageHistory.opportunity_id, order_by=order)
            .label("prev_open"),
        )
        .join(Stage, Stage.id == StageHistory.stage_id)
        .join(Opportunity, Opportunity.id == StageHistory.opportunity_id)
        .where(Stage.kind == "open", *conditions)
        .subquery("visits")
    )
    later, further = aliased(StageHistory), aliased(Stage)
    moved = exists().where(
        later.opportunity_id == visits.c.opportunity_id,
        later.entered_at >= visits.c.entered_at,
        further.id == later.stage_id,
        or_(
            further.kind == "won",
            and_(further.kind == "open", further.position > visits.c.position),
        ),
    )
    won = type_coerce(visits.c.won, Boolean)
    day = _day(visits.c.entered_at).label("day")
    per_stage = select(
        visits.c.pipeline_id,
        visits.c.stage_id,
        day,
        _prev_day(visits.c.prev_same).label("prev_day"),
        type_coerce(moved, Boolean).label("moved"),
        won.label("won"),
    )
    per_pipeline = select(
        visits.c.pipeline_id,
        literal(ANY_STAGE).label("stage_id"),
        day,
        _prev_day(visits.c.prev_open).label("prev_day"),
        type_coerce(false(), Boolean).label("moved"),
        won.label("won"),
    )
    rows = union_all(per_stage, per_pipeline).subquery("rows")
    key = [rows.c[name] for name in KEY]
    return select(*key, func.count().label("visits")).group_by(*key).subquery("contributions")


@cache
def _of_deals():
    """``contributions`` of the deals bound as ``ids``, built once (a move reads it twice)."""
    deals = StageHistory.opportunity_id.in_(bindparam("ids", expanding=True))
    return select(contributions(deals))


def snapshot(deal_ids) -> Counter:
    """The deals' visits by summary key, as their history says now."""
    found = Counter()
    ids = list(deal_ids)
    for start in range(0, len(ids), CHUNK):
        for row in db.session.execute(_of_deals(), {"ids": ids[start : start + CHUNK]}):
            found[tuple(row[:-1])] += row.visits
    return found


def changed(deal_ids, before: Counter) -> None:
    """Add to the summary the difference between the deals' keys now and ``before``
    (their ``snapshot`` before the change; empty for new deals): one statement, whatever the
    number of deals."""
    db.session.flush()
    after = snapshot(deal_ids)
    add(Counter({key: after[key] - before[key] for key in before.keys() | after.keys()}))


def new_deals(deals) -> Counter:
    """The summary's keys of deals just created, each with one history row: ``deals`` are
    (pipeline id, stage id, whether the stage is open, entered at, whether won). Read from
    the values written, not from the history: what ``contributions`` computes for them (a
    first visit, nothing entered after it)."""
    found = Counter()
    for pipeline_id, stage_id, is_open, entered_at, won in deals:
        if is_open:
            day = entered_at.date()
            found[(pipeline_id, stage_id, day, NEVER, False, won)] += 1
            found[(pipeline_id, ANY_STAGE, day, NEVER, False, won)] += 1
    return found


def add(counts: Counter) -> None:
    """Add ``counts`` (visits by summary key) to the summary: one statement. Rows left at
    zero stay (few: the keys are days and stages)."""
    rows = [
        {**dict(zip(KEY, key, strict=True)), "visits": visits}
        for key, visits in counts.items()
        if visits
    ]
    if rows:
        add_rows(FunnelDay.__table__, rows, UNIQUE, ["visits"])


def rebuild(pipeline_id=None) -> None:
    """Recompute the summary of one pipeline (or of all) from the stage history."""
    db.session.flush()
    table = FunnelDay.__table__
    deals = [] if pipeline_id is None else [Opportunity.pipeline_id == pipeline_id]
    clear = [] if pipeline_id is None else [table.c.pipeline_id == pipeline_id]
    db.session.execute(delete(table).where(*clear))
    rows = contributions(*deals)
    db.session.execute(
        insert(table).from_select([*KEY, "visits"], select(*rows.c)),
        execution_options={"synchronize_session": False},
    )


def in_period(rows, start_day, end_day):
    """``rows`` (the summary or ``contributions``) whose visit is a deal's first into the
    stage (or into any open stage, for ANY_STAGE) in [start_day, end_day)."""
    return and_(
        rows.c.day >= start_day,
        true() if end_day is None else rows.c.day < end_day,
        rows.c.prev_day < start_day,
    )
