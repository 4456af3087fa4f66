"""The deals a report counts: visible to the user, not in the trash, in the filters'
business line, pipeline, owner or team. Periods are applied by each report, on the date
that report is about (close date, closing time, stage entry)."""

from sqlalchemy import Select, false, select

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


def history_deals(user: User, filters: ReportFilters, pipeline) -> tuple[bool, Select]:
    """The deals of ``pipeline`` that ``deal_conditions`` keeps, as ``(kept, ids)``: the ids
    of the deals kept (``kept`` true) or of the deals left out (false: those in the trash,
    of any pipeline, as the pipeline's stages hold only its deals' history). The history of
    a pipeline's stages is its deals' (a deal never changes pipeline, and its business line
    is its pipeline's), so the business line, visibility and pipeline filters are decided
    once here; per visit only the trash is looked up (few deals are in it), or, with an
    owner or team filter, the deals that filter keeps."""
    ids = select(Opportunity.id)
    if owner_conditions(user, filters, Opportunity.owner_id):
        return True, ids.where(
            *deal_conditions(user, filters), Opportunity.pipeline_id == pipeline.id
        )
    line = pipeline.business_line_id
    visible = permissions.is_admin(user) or line in user.business_line_ids
    if not visible or filters.business_line_id not in (None, line):
        return True, ids.where(false())
    if filters.pipeline_id not in (None, pipeline.id):
        return True, ids.where(false())
    return False, ids.where(Opportunity.deleted_at.is_not(None))


def history_condition(user: User, filters: ReportFilters, pipeline, deal_column):
    """``history_deals`` as a condition on ``deal_column``."""
    kept, ids = history_deals(user, filters, pipeline)
    return deal_column.in_(ids) if kept else deal_column.not_in(ids)
