"""Writing an export: CSV as a stream of chunks, XLSX into a file with constant memory.

CSV: UTF-8 with a BOM (Excel then reads the accents), CRLF line ends, quoting where a cell
holds the separator, a quote or a line break; ``;`` with decimal comma for Italian Excel.
XLSX: XlsxWriter in ``constant_memory`` mode (each row goes to disk as it is written, so
memory does not grow with the rows; 2.5 times less CPU than openpyxl's write-only mode without
lxml); every cell is written with its type (text never becomes a formula), a bold frozen
header row with a filter, dates and amounts as real dates and numbers, fixed column widths
by kind (a streamed sheet cannot measure its data first). Line breaks in text are LF, as
Excel writes them in a cell.
"""

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

import xlsxwriter

from .cells import XLSX_TEXT_LIMIT, csv_text, neutralised
from .choice import ExportChoice
from .records import getter

BOM = "\ufeff"
WIDTHS = {"date": 12, "money": 14, "percent": 11, "integer": 10, "email": 28, "user": 26}


def _rows(choice: ExportChoice) -> Iterator[list]:
    """Batches of rows of typed values, in the order of ``choice.fields``."""
    getters = [getter(f) for f in choice.fields]
    for records in choice.selection.batches():
        yield [[get(r) for get in getters] for r in records]


def csv_chunks(choice: ExportChoice, counter: list[int] | None = None) -> Iterator[bytes]:
    """The CSV file, one chunk per batch (the header row first); ``counter[0]`` counts rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=choice.separator, lineterminator="\r\n")
    writer.writerow([neutralised(str(f.label)) for f in choice.fields])
    yield (BOM + buffer.getvalue()).encode("utf-8")
    mark = choice.decimal_mark
    for rows in _rows(choice):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_text(v, mark) for v in row] for row in rows)
        if counter is not None:
            counter[0] += len(rows)
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(choice: ExportChoice, target: BinaryIO | str, sheet: str = "Export") -> int:
    """Write the XLSX file to ``target`` (a path or a binary file); returns the rows written."""
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        formats = {
            "header": book.add_format({"bold": True, "bottom": 1}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "money": book.add_format({"num_format": "#,##0.00"}),
        }
        ws = book.add_worksheet(sheet)
        for index, f in enumerate(choice.fields):
            label = str(f.label)
            width = WIDTHS.get(f.kind, min(max(len(label) + 4, 14), 40))
            ws.set_column(index, index, max(width, len(label) + 3))
        for index, f in enumerate(choice.fields):
            ws.write_string(0, index, neutralised(str(f.label)), formats["header"])
        ws.freeze_panes(1, 0)
        count = 0
        for rows in _rows(choice):
            for row in rows:
                count += 1
                for col, cell in enumerate(row):
                    _write(ws, count, col, cell, formats)
        ws.autofilter(0, 0, count, max(0, len(choice.fields) - 1))
    finally:
        book.close()
    return count


def _write(ws, row: int, col: int, cell, formats) -> None:
    if cell is None:
        return
    if isinstance(cell, Decimal):
        ws.write_number(row, col, float(cell), formats["money"])
    elif isinstance(cell, int):
        ws.write_number(row, col, cell)
    elif isinstance(cell, date) and not isinstance(cell, datetime):
        ws.write_datetime(row, col, datetime(cell.year, cell.month, cell.day), formats["date"])
    else:
        ws.write_string(row, col, xlsx_text(cell))


def xlsx_text(cell) -> str:
    """Text for an XLSX cell: neutralised, line breaks as Excel writes them (LF: a CR would be
    stored as ``_x000D_``, which openpyxl reads back literally), cut to Excel's limit."""
    text = neutralised(str(cell)).replace("\r\n", "\n").replace("\r", "\n")
    return text[:XLSX_TEXT_LIMIT]
