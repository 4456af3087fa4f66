"""The Reports menu: the dashboard, each report with its filters, and CSV downloads."""

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from ..extensions import htmx
from . import choices, registry
from .csvfile import table_csv
from .filters import filters_from
from .periods import PERIODS

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _spec(key: str) -> registry.ReportSpec:
    spec = registry.find(key)
    if spec is None:
        abort(404)
    return spec


@bp.get("/")
def index():
    """The reports there are, each with what it answers."""
    return render_template("reports/index.html", reports=registry.reports())


@bp.get("/<key>")
def show(key: str):
    """One report for the filters in the URL; htmx filter changes swap its body only."""
    spec = _spec(key)
    filters = filters_from(request.args, spec.default_period)
    context = {
        "spec": spec,
        "filters": filters,
        "report": spec.build(current_user, filters),
        "reports": registry.reports(),
        "choices": choices.filter_choices(current_user),
        "periods": PERIODS,
    }
    if htmx and htmx.target == "report-body":
        return render_template("reports/_body.html", **context)
    return render_template("reports/report.html", **context)


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
