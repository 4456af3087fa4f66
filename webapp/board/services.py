"""Board queries: column totals by SQL aggregates and the first cards of every column."""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import permissions
from ..errors import NotFound
from ..extensions import db
from ..models import Opportunity, Pipeline, Stage, User

PAGE_SIZE = 25


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    cards: list[Opportunity] = field(default_factory=list)


def get_pipeline(user: User, pipeline_id: int | None) -> Pipeline:
    from ..opportunities.services import default_pipeline

    pipeline = db.session.get(Pipeline, pipeline_id) if pipeline_id else default_pipeline(user)
    if pipeline is None:
        raise NotFound("No pipeline is set up yet.")
    permissions.require(
        permissions.can_view_business_line(user, pipeline.business_line_id),
        "You may not see this pipeline.",
    )
    return pipeline


def visible_pipelines(user: User) -> list[Pipeline]:
    query = select(Pipeline).order_by(Pipeline.business_line_id, Pipeline.position, Pipeline.id)
    if not permissions.is_admin(user):
        query = query.where(Pipeline.business_line_id.in_(user.business_line_ids or [0]))
    return list(db.session.scalars(query))


def _filters(user: User, pipeline: Pipeline, owner: str):
    clauses = [
        Opportunity.pipeline_id == pipeline.id,
        Opportunity.status == "open",
        Opportunity.deleted_at.is_(None),
        permissions.visible_opportunities(user),
    ]
    if owner == "me":
        clauses.append(Opportunity.owner_id == user.id)
    elif owner.isdigit():
        clauses.append(Opportunity.owner_id == int(owner))
    return clauses


def build_board(user: User, pipeline: Pipeline, *, owner: str = "me") -> list[Column]:
    """One column per open stage, totals over every matching deal, first PAGE_SIZE cards each."""
    clauses = _filters(user, pipeline, owner)
    columns = {s.id: Column(stage=s) for s in pipeline.stages if s.kind == "open"}
    totals = db.session.execute(
        select(
            Opportunity.stage_id,
            func.count(),
            func.coalesce(func.sum(Opportunity.amount), 0),
            func.coalesce(func.sum(Opportunity.amount * Opportunity.probability / 100.0), 0),
        )
        .where(*clauses)
        .group_by(Opportunity.stage_id)
    )
    for stage_id, count, total, weighted in totals:
        if stage_id in columns:
            col = columns[stage_id]
            col.count, col.total, col.weighted = count, Decimal(str(total)), Decimal(str(weighted))

    rank = (
        func.row_number()
        .over(partition_by=Opportunity.stage_id, order_by=(Opportunity.position, Opportunity.id))
        .label("rank")
    )
    ranked = select(Opportunity.id, rank).where(*clauses).subquery()
    cards = db.session.scalars(
        select(Opportunity)
        .join(ranked, ranked.c.id == Opportunity.id)
        .where(ranked.c.rank <= PAGE_SIZE)
        .order_by(Opportunity.position, Opportunity.id)
        .options(
            selectinload(Opportunity.owner),
            selectinload(Opportunity.account),
            selectinload(Opportunity.tags),
            selectinload(Opportunity.stage),
        )
    )
    for card in cards:
        columns[card.stage_id].cards.append(card)
    return list(columns.values())
