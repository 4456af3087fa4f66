"""The deals a report counts: visible to the user, not in the trash, in the filters'
business line, pipeline, owner or team. Periods are applied by each report, on the date
that report is about (close date, closing time, stage entry)."""

from sqlalchemy import false, select

from .. import permissions
from ..models import Opportunity, User
from ..models.user import user_groups
from .filters import ReportFilters


def owner_conditions(user: User, filters: ReportFilters, owner_column) -> list:
    """The owner or team filter on ``owner_column`` (deals' or targets' owner)."""
    conditions = []
    if filters.owner == "me":
        conditions.append(owner_column == user.id)
    elif filters.owner != "all":
        conditions.append(owner_column == int(filters.owner))
    if filters.team:
        members = select(user_groups.c.user_id).where(user_groups.c.group_id == filters.team)
        conditions.append(owner_column.in_(members))
    return conditions


def deal_conditions(user: User, filters: ReportFilters) -> list:
    """WHERE clauses on Opportunity for every report."""
    conditions = [Opportunity.deleted_at.is_(None), permissions.visible_opportunities(user)]
    if filters.business_line_id:
        conditions.append(Opportunity.business_line_id == filters.business_line_id)
    if filters.pipeline_id:
        conditions.append(Opportunity.pipeline_id == filters.pipeline_id)
    return conditions + owner_conditions(user, filters, Opportunity.owner_id)


def chosen_pipeline(user: User, filters: ReportFilters):
    """The pipeline a per-stage report shows: the one in the filters if the user may see
    it, else the first of the filters' business line (or of any line the user sees)."""
    from ..board.services import visible_pipelines

    pipelines = visible_pipelines(user)
    if filters.business_line_id:
        pipelines = [p for p in pipelines if p.business_line_id == filters.business_line_id]
    chosen = [p for p in pipelines if p.id == filters.pipeline_id]
    return (chosen or pipelines or [None])[0]


def history_deals(user: User, filters: ReportFilters, pipeline, deal_column):
    """A condition on ``deal_column`` (a stage-history row's deal) keeping the deals of
    ``pipeline`` that ``deal_conditions`` keeps, cheap to test on every row of the history of
    the pipeline's stages: those rows are its deals' (a deal never changes pipeline, and its
    business line is its pipeline's), so the business line, visibility and pipeline filters
    are decided once here, and per row only the trash (few deals are in it) is looked up, or,
    with an owner or team filter, the deals that filter keeps."""
    if owner_conditions(user, filters, Opportunity.owner_id):
        kept = select(Opportunity.id).where(
            *deal_conditions(user, filters), Opportunity.pipeline_id == pipeline.id
        )
        return deal_column.in_(kept)
    line = pipeline.business_line_id
    visible = permissions.is_admin(user) or line in user.business_line_ids
    if not visible or filters.business_line_id not in (None, line):
        return false()
    if filters.pipeline_id not in (None, pipeline.id):
        return false()
    trashed = select(Opportunity.id).where(Opportunity.deleted_at.is_not(None))
    return deal_column.not_in(trashed)
