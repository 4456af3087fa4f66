"""A report table's rows as HTML, built in Python: a forecast shows over a thousand cells,
and a Jinja macro call per cell cost more than formatting its figure. Every value is escaped
as the template would (names of deals and owners are user data)."""

from markupsafe import Markup, escape

from ..i18n.formats import day
from ..money import money
from . import shown

NONE = '<span class="text-body-secondary">—</span>'
FORMATS = {
    "money": money,
    "date": day,
    "count": shown.count,
    "days": shown.days,
    "percent": shown.percent,
}
OPENINGS = {"text": '<td class="">'}  # any other kind: a figure, aligned to the end
FIGURE = '<td class="text-end text-nowrap">'


def cell(value, kind: str) -> str:
    """One value's escaped HTML, as ``kind`` shows it."""
    if value is None:
        return NONE
    url = getattr(value, "url", None)
    if url is not None:
        return f'<a href="{escape(url)}">{escape(value.text)}</a>'
    format_ = FORMATS.get(kind)
    return escape(format_(value) if format_ else value)


def row_cells(row: list, kinds: list[str]) -> Markup:
    """The ``<td>`` of a row whose columns are of ``kinds``."""
    return Markup(
        "".join(
            f"{OPENINGS.get(kind, FIGURE)}{cell(value, kind)}</td>"
            for value, kind in zip(row, kinds, strict=False)
        )
    )
