"""What the stage-history reports (funnel, time in stage) share: the period as UTC datetimes
and the open stages of the chosen pipeline."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Stage
from .filters import ReportFilters


def period_bounds(filters: ReportFilters) -> tuple[datetime, datetime]:
    """The period as [start, end) in naive UTC: from the first day's midnight to the
    midnight after its last day (or to the last moment a datetime holds)."""
    end = datetime.max if filters.end == date.max else _midnight(filters.end + timedelta(days=1))
    return _midnight(filters.start), end


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def open_stages(pipeline) -> list[Stage]:
    """The pipeline's open stages, in their order."""
    return db.session.scalars(
        select(Stage)
        .where(Stage.pipeline_id == pipeline.id, Stage.kind == "open")
        .order_by(Stage.position)
    ).all()
