"""The reports there are: the core's, and those plugins add through ``register_reports``
(for the business lines where they are enabled)."""

from collections.abc import Callable
from dataclasses import dataclass

from ..models import User
from ..plugins import flatten, registry
from .filters import ReportFilters
from .report import Report


@dataclass(frozen=True)
class ReportSpec:
    """``key`` is the URL (/reports/<key>); ``build(user, filters)`` computes the report."""

    key: str
    title: str
    build: Callable[[User, ReportFilters], Report]
    default_period: str = "this_quarter"
    summary: str = ""
    uses_period: bool = True  # False: a snapshot of now (the filter bar hides the period)


def _core() -> list[ReportSpec]:
    from . import accuracy, forecast, funnel, pipeline_value, time_in_stage, won_lost

    return [
        forecast.SPEC,
        pipeline_value.SPEC,
        funnel.SPEC,
        time_in_stage.SPEC,
        won_lost.SPEC,
        accuracy.SPEC,
    ]


def reports() -> list[ReportSpec]:
    """Every report, the core's first, then those of plugins enabled in any business line."""
    hook = registry().hook("register_reports", None, any_line=True)
    return _core() + list(flatten(hook()))


def find(key: str) -> ReportSpec | None:
    return next((spec for spec in reports() if spec.key == key), None)
