"""/reports/targets: the grid of monthly sales targets (seller x month) of one business
line and year; managers of the line save it, its sellers read it."""

from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..errors import ValidationError
from ..inputs import integer
from ..locale import current_locale
from ..models._base import utcnow
from ..parsing import editable
from . import targets

bp = Blueprint("targets", __name__, url_prefix="/reports/targets")
YEARS = (2000, 2100)


def _year(values) -> int:
    return integer(values.get("year"), minimum=YEARS[0], maximum=YEARS[1]) or utcnow().year


def _render(grid, status: int = 200):
    lines = targets.lines_for(current_user)
    example = editable(Decimal("12500.50"), current_locale())
    return render_template("reports/targets.html", grid=grid, lines=lines, example=example), status


@bp.get("")
def show():
    line = targets.choose_line(current_user, integer(request.args.get("business_line"), minimum=1))
    return _render(targets.grid(current_user, line, _year(request.args), current_locale()))


@bp.post("")
def save():
    """Save the whole grid in one transaction; bad cells re-render it (422), typed kept."""
    line_id = integer(request.form.get("business_line"), minimum=1)
    year = integer(request.form.get("year"), minimum=YEARS[0], maximum=YEARS[1])
    if line_id is None or year is None:
        raise ValidationError(_("Choose a business line and a year (2000 to 2100)."))
    line = targets.choose_line(current_user, line_id)
    locale = current_locale()
    try:
        changed = targets.save_targets(current_user, line, year, request.form, locale)
    except ValidationError as exc:
        grid = targets.grid(current_user, line, year, locale)
        sent = request.form.items()
        grid.typed.update({k: v[:1000] for k, v in sent if k.startswith("target-")})
        grid.errors = exc.errors
        return _render(grid, 422)
    flash(
        ngettext("Targets saved (%(num)d changed).", "Targets saved (%(num)d changed).", changed),
        "success",
    )
    return redirect(url_for("targets.show", business_line=line.id, year=year))
