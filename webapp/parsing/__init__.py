"""Reading what people type: numbers and dates in their locale, digits of any script.

``numbers.read_number`` and ``dates.read_date``/``read_datetime`` take the text and a locale
code and return exact values (Decimal, date, datetime) or raise ``ParseError`` with a message
that says how the text was read and what to type instead.
"""

from .dates import read_date, read_datetime
from .numbers import editable, read_number
from .typed import ParseError

__all__ = ["ParseError", "editable", "read_date", "read_datetime", "read_number"]
