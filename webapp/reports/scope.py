"""The deals a report counts: visible to the user, not in the trash, in the filters'
business line, pipeline, owner or team. Periods are applied by each report, on the date
that report is about (close date, closing time, stage entry)."""

from sqlalchemy import select

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
