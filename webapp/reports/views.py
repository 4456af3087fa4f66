"""The Reports menu: the dashboard, each report with its filters, and CSV downloads."""

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_login import current_user

from ..extensions import htmx
from . import cells, choices, registry, shown
from .csvfile import table_csv
from .filters import filters_from
from .periods import PERIODS

bp = Blueprint("reports", __name__, url_prefix="/reports")
DASHBOARD_PERIOD = "this_quarter"
for _name, _function in shown.TEMPLATE_GLOBALS.items():
    bp.add_app_template_global(_function, _name)
bp.add_app_template_global(cells.row_cells, "report_row")


def _spec(key: str) -> registry.ReportSpec:
    spec = registry.find(key)
    if spec is None:
        abort(404)
    return spec


def _page(template: str, body: str, **context):
    """A page with the filter bar; htmx filter changes swap its ``#report-body`` only."""
    if htmx and htmx.target == "report-body":
        return render_template(body, **context)
    context.update(choices=choices.filter_choices(current_user), periods=PERIODS)
    return render_template(template, **context)


@bp.get("/")
def index():
    """The dashboard: every report's key figures and first chart for the period, each
    loaded on its own (htmx) so one slow report does not hold the page."""
    filters = filters_from(request.args, DASHBOARD_PERIOD)
    return _page(
        "reports/dashboard.html",
        "reports/_dashboard_body.html",
        spec=None,
        reports=registry.reports(),
        filters=filters,
        filter_action=url_for("reports.index"),
        show_period=True,
    )


@bp.get("/<key>")
def show(key: str):
    """One report for the filters in the URL."""
    spec = _spec(key)
    filters = filters_from(request.args, spec.default_period)
    return _page(
        "reports/report.html",
        "reports/_body.html",
        spec=spec,
        reports=registry.reports(),
        filters=filters,
        report=spec.build(current_user, filters),
        filter_action=url_for("reports.show", key=spec.key),
        show_period=spec.uses_period,
    )


@bp.get("/<key>/summary")
def summary(key: str):
    """A report's key figures and first chart, for a dashboard card."""
    spec = _spec(key)
    filters = filters_from(request.args, DASHBOARD_PERIOD)
    return render_template(
        "reports/_summary.html",
        spec=spec,
        filters=filters,
        report=spec.build(current_user, filters),
    )


@bp.get("/<key>/<table_key>.csv")
def table_download(key: str, table_key: str):
    """One table of a report as CSV (``sep=semicolon`` for Italian Excel)."""
    spec = _spec(key)
    filters = filters_from(request.args, spec.default_period)
    table = spec.build(current_user, filters).table(table_key)
    if table is None:
        abort(404)
    name = f"{spec.key}-{table.key}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    return Response(
        table_csv(table, semicolon=request.args.get("sep") == "semicolon"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
