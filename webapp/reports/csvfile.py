"""A report's table as CSV: UTF-8 with a BOM (Excel), figures without grouping marks, text
neutralised against formulas; ``;`` with a decimal comma for Italian Excel."""

import csv
import io
from decimal import Decimal

from ..exports.cells import csv_text
from .report import Link, Table


def table_csv(table: Table, semicolon: bool = False) -> str:
    delimiter, decimal_mark = (";", ",") if semicolon else (",", ".")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([csv_text(column.label) for column in table.columns])
    for row in [*table.rows, *([table.footer] if table.footer else [])]:
        writer.writerow(
            [
                csv_text(_plain(value, column.kind), decimal_mark)
                for value, column in zip(row, table.columns, strict=True)
            ]
        )
    return out.getvalue()


def _plain(value, kind: str):
    """A cell's value as data: a link's text, a float rounded as the page shows it (days
    and percentages to one decimal)."""
    if isinstance(value, Link):
        return value.text
    if isinstance(value, float):
        return Decimal(str(round(value, 1 if kind in ("days", "percent") else 2)))
    return value
