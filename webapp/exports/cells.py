"""Values as spreadsheet cells: typed, and text never read as a formula.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be
run as a formula by a spreadsheet (CSV injection); it gets a leading apostrophe, which
spreadsheets show as text and our import takes off again. Numbers and dates stay typed: a
negative amount is a number, not text.
"""

from datetime import date
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TEXT_LIMIT = 32767  # characters Excel holds in one cell


def neutralised(text: str) -> str:
    """``text``, with a leading apostrophe when a spreadsheet could read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unneutralised(text: str) -> str:
    """``text`` as it was before ``neutralised``: the import reads our exports back."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_text(value, decimal_mark: str = ".") -> str:
    """``value`` as a CSV cell: ISO dates, plain numbers with ``decimal_mark`` and no
    grouping (``1500.50`` or ``1500,50``), text neutralised, nothing for None."""
    if value is None:
        return ""
    if type(value) is str:  # the most common cell first
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", decimal_mark)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralised(str(value))
