"""Pipeline value per stage: the open deals of one pipeline now, per stage: how many, their
amount, weighted amount and average age."""

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import Opportunity, Stage, User
from ..models._base import utcnow
from . import shown
from .charts import BarChart, Series
from .filters import ReportFilters
from .registry import ReportSpec
from .report import Report, Table, TableColumn
from .scope import chosen_pipeline, deal_conditions
from .sql import days_between

ZERO = Decimal(0)


def build(user: User, filters: ReportFilters) -> Report:
    report = Report(_("Pipeline value per stage"))
    pipeline = report.pipeline = chosen_pipeline(user, filters)
    columns = [
        TableColumn(_("Stage")),
        TableColumn(_("Deals"), "count"),
        TableColumn(_("Amount"), "money"),
        TableColumn(_("Weighted"), "money"),
        TableColumn(_("Average age (days)"), "days"),
    ]
    if pipeline is None:
        report.add(Table("stages", _("Open deals per stage"), columns, []))
        return report
    stages = db.session.scalars(
        select(Stage)
        .where(Stage.pipeline_id == pipeline.id, Stage.kind == "open")
        .order_by(Stage.position)
    ).all()
    figures = {
        row.stage_id: row
        for row in db.session.execute(
            select(
                Opportunity.stage_id,
                func.count(Opportunity.id).label("deals"),
                func.coalesce(func.sum(Opportunity.amount), 0).label("amount"),
                func.coalesce(
                    func.sum(Opportunity.amount * Opportunity.probability / 100), 0
                ).label("weighted"),
                func.avg(days_between(utcnow(), Opportunity.created_at)).label("age"),
            )
            .where(
                *deal_conditions(user, filters),
                Opportunity.pipeline_id == pipeline.id,
                Opportunity.status == "open",
            )
            .group_by(Opportunity.stage_id)
        )
    }
    rows = []
    for stage in stages:
        row = figures.get(stage.id)
        rows.append(
            [
                stage.name,
                row.deals if row else 0,
                Decimal(row.amount) if row else ZERO,
                Decimal(row.weighted).quantize(Decimal("0.01")) if row else ZERO,
                float(row.age) if row and row.age is not None else None,
            ]
        )
    deals = sum(r[1] for r in rows)
    total_age = sum((r[4] or 0) * r[1] for r in rows)
    footer = [
        _("Total"),
        deals,
        sum((r[2] for r in rows), ZERO),
        sum((r[3] for r in rows), ZERO),
        total_age / deals if deals else None,
    ]
    report.figures = [
        (_("Open deals"), shown.count(deals)),
        (_("Pipeline value"), shown.amount(footer[2])),
        (_("Weighted"), shown.amount(footer[3])),
    ]
    table = Table(
        "stages",
        _("Open deals per stage · %(pipeline)s", pipeline=pipeline.name),
        columns,
        rows,
        footer,
    )
    chart = BarChart(
        _("Amount and weighted amount per stage"),
        [r[0] for r in rows],
        [Series(_("Amount"), [r[2] for r in rows]), Series(_("Weighted"), [r[3] for r in rows])],
    )
    report.add(table, chart)
    return report


SPEC = ReportSpec(
    "pipeline",
    _l("Pipeline value"),
    build,
    summary=_l("The open deals of a pipeline now, per stage: count, amount, weighted, age."),
    uses_period=False,
)
