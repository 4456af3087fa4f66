"""Turning a row of text cells into field values, with a reason for each cell refused.

How a file writes numbers (decimal comma or point) and dates (day/month/year, month/day/
year, year-month-day) is chosen PER FILE: ``guess_decimal`` and ``guess_date_order`` look at
a sample of its cells, say when every value read both ways, and the person may choose.
Amounts may carry grouping marks (``1.500,50``, ``1,500.50``, ``1 500,00``, ``1'500``),
currency signs or codes (``€ 1.500,00``, ``1500 EUR``), a sign or accounting parentheses;
percentages a ``%``; digits of any script (Persian, Arabic-Indic). ISO dates always read.
Cells a spreadsheet typed (``reading.Exact``) are read exactly, without these guesses.
References (account, stage, owner, ...) stay as the text read; the import resolves them.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import String

from ..datafields import DataField, fields_for
from ..exports.cells import unneutralised
from ..inputs import control_characters
from ..parsing.typed import normalized, shown
from .reading import Exact

DATE_ORDERS = {
    "dmy": _l("Day/month/year (31/12/2026)"),
    "mdy": _l("Month/day/year (12/31/2026)"),
    "ymd": _l("Year-month-day (2026-12-31)"),
}
DECIMALS = {",": _l("Decimal comma (1.500,50)"), ".": _l("Decimal point (1,500.50)")}
NUMBER_KINDS = ("money", "percent", "integer")
SPACES = " \u00a0\u202f\u2009"
APOSTROPHES = "'\u2019"
CURRENCY = re.compile(r"^(?:[€$£¥]|[A-Z]{3})\s*|\s*(?:[€$£¥]|[A-Z]{3})$")
DATE = re.compile(r"(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?")
LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SAMPLE_ROWS = 1000
CACHED_CELLS = 4096  # distinct amounts or dates of a column read once per file
EXCEL_EPOCH = date(1899, 12, 30)
GROUP_OF = {",": ".", ".": ","}
PLAIN_AMOUNT = {
    mark: re.compile(
        rf"-?(?:[0-9]{{1,3}}(?:{re.escape(group)}[0-9]{{3}})+|[0-9]+)(?:{re.escape(mark)}[0-9]+)?"
    )
    for mark, group in GROUP_OF.items()
}

# Reasons: whole sentences with named placeholders, ready for gettext.
NOT_NUMBER = {
    ",": _l("%(typed)s is not a number written with a decimal comma, like 1.500,50."),
    ".": _l("%(typed)s is not a number written with a decimal point, like 1,500.50."),
}
NOT_WHOLE = _l("%(typed)s is not a whole number.")
NOT_PERCENT = _l("%(typed)s is not a percentage between 0 and 100.")
NOT_DATE = {
    "dmy": _l("%(typed)s is not a date written day/month/year (31/12/2026) or 2026-12-31."),
    "mdy": _l("%(typed)s is not a date written month/day/year (12/31/2026) or 2026-12-31."),
    "ymd": _l("%(typed)s is not a date written year-month-day (2026-12-31)."),
}
NO_SUCH_DAY = _l("%(typed)s is not a day of the calendar.")
NOT_EMAIL = _l("%(typed)s is not an email address.")
TOO_LONG = _l("The text is longer than %(limit)s characters.")
CONTROL = _l("The text holds control characters.")


class Refused(ValueError):
    """A cell that is not a value of its field; ``reason`` is for the person."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- numbers -------------------------------------------------------------------------------


def _number_body(text: str, kind: str) -> tuple[str, str]:
    """(sign, body) of an amount without currency, spaces around, percent sign, parentheses."""
    body = normalized(str(text))
    if kind == "percent":
        body = body.removesuffix("%").removesuffix("\u066a").strip()
    sign = ""
    if body.startswith("(") and body.endswith(")"):
        sign, body = "-", body[1:-1].strip()
    body = CURRENCY.sub("", body).strip()
    if body[:1] in "-\u2212+":
        sign, body = ("" if body[0] == "+" else "-"), body[1:].strip()
    elif body.endswith("-"):
        sign, body = "-", body[:-1].strip()
    body = CURRENCY.sub("", body).strip()
    return sign, body.replace("\u066b", ",").replace("\u066c", ".")


def read_amount(text: str, decimal: str, *, kind: str = "money") -> Decimal:
    """The Decimal ``text`` writes with ``decimal`` as its decimal mark; Refused otherwise."""
    plain = PLAIN_AMOUNT[decimal].fullmatch(text)
    if plain:  # the common case, read fast: 1500, 1.500,50 / 1,500.50, -12,5
        return Decimal(plain[0].replace(GROUP_OF[decimal], "").replace(decimal, "."))
    sign, body = _number_body(text, kind)
    groups = SPACES + APOSTROPHES + ("." if decimal == "," else ",")
    whole, mark, fraction = body.partition(decimal)
    ok = bool(whole or fraction) and (not mark or fraction.isascii() and fraction.isdigit())
    if ok and not (whole.isascii() and whole.isdigit()) and whole:
        chunks = re.split(f"[{re.escape(groups)}]", whole)
        ok = (
            all(c.isascii() and c.isdigit() for c in chunks)
            and 1 <= len(chunks[0]) <= 3
            and all(len(c) == 3 for c in chunks[1:])
        )
    if not ok or len(body) > 40:
        raise Refused(NOT_NUMBER[decimal] % {"typed": shown(text)})
    digits = "".join(re.split(f"[{re.escape(groups)}]", whole)) or "0"
    return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")


def guess_decimal(cells: Iterable[str], default: str = ",") -> "Guess":
    """The decimal mark the amounts in ``cells`` are written with; ambiguous when no cell
    tells (``1.500`` is 1500 or 1.5)."""
    votes = {",": 0, ".": 0}
    example = None
    for cell in cells:
        if isinstance(cell, Exact) or not cell.strip():
            continue
        _, body = _number_body(cell, "percent")
        body = "".join(ch for ch in body if ch not in SPACES + APOSTROPHES)
        if not re.fullmatch(r"[0-9.,]*[0-9][0-9.,]*", body):
            continue
        vote = _decimal_vote(body)
        if vote:
            votes[vote] += 1
        elif ("." in body or "," in body) and example is None:
            example = cell.strip()
    if votes[","] or votes["."]:
        return Guess("," if votes[","] >= votes["."] else ".", False, None)
    return Guess(default, example is not None, example)


def _decimal_vote(body: str) -> str | None:
    """The decimal mark ``body`` (digits, ``.`` and ``,``) can only be written with."""
    if "." in body and "," in body:
        return "," if body.rfind(",") > body.rfind(".") else "."
    for mark, other in ((",", "."), (".", ",")):
        if mark in body:
            if body.count(mark) > 1:
                return other  # 1.500.000: the mark groups
            if re.fullmatch(rf"[0-9]{{1,3}}{re.escape(mark)}[0-9]{{3}}", body):
                return None  # 1.500 or 1,500: either
            return mark
    return None


# --- dates ---------------------------------------------------------------------------------


def read_day(text: str, order: str) -> date:
    """The date ``text`` writes in ``order`` (ISO always read); Refused otherwise."""
    found = DATE.fullmatch(text.strip() if text.isascii() else normalized(str(text)))
    if found:
        a, _, b, c = found.groups()
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        elif order == "ymd" or len(c) not in (2, 4):
            year = None
        elif order == "dmy":
            day, month, year = int(a), int(b), int(c)
        else:
            month, day, year = int(a), int(b), int(c)
        if year is not None and 1 <= month <= 12:  # else written in another order
            try:
                return date(year + 2000 if year < 100 else year, month, day)
            except ValueError:
                raise Refused(NO_SUCH_DAY % {"typed": shown(text)}) from None
    raise Refused(NOT_DATE[order] % {"typed": shown(text)})


def guess_date_order(cells: Iterable[str], default: str = "dmy") -> "Guess":
    """The order the dates in ``cells`` are written in: a first part over 12 says
    day/month, a second one month/day; ambiguous when every date reads both ways."""
    votes = {"dmy": 0, "mdy": 0}
    example, short = None, False
    for cell in cells:
        if isinstance(cell, Exact):
            continue
        found = DATE.fullmatch(normalized(str(cell)))
        if not found or len(found[1]) == 4:
            continue
        short = True
        first, second = int(found[1]), int(found[3])
        if first > 12 and second <= 12:
            votes["dmy"] += 1
        elif second > 12 and first <= 12:
            votes["mdy"] += 1
        elif example is None:
            example = cell.strip()
    if votes["dmy"] or votes["mdy"]:
        return Guess("dmy" if votes["dmy"] >= votes["mdy"] else "mdy", False, None)
    if not short:
        return Guess(default, False, None)
    return Guess(default, True, example)


@dataclass(frozen=True)
class Guess:
    """What a sample of cells says: the value, whether the cells leave it open, and a cell
    that reads both ways."""

    value: str
    ambiguous: bool
    example: str | None


def guess_formats(
    entity: str, mapping: dict[int, str], rows: Iterable[list[str]], *, locale: str = "it"
) -> tuple[Guess, Guess]:
    """(date order, decimal mark) of a file from up to SAMPLE_ROWS rows: dates from the
    cells of every column (a date looks like one wherever it is), amounts from the columns
    mapped to a number field. When the cells leave them open: the locale's decimal mark,
    and month first only for an English reader of a file with a decimal point."""
    kinds = {f.key: f.kind for f in fields_for(entity)}
    numeric = [i for i, key in mapping.items() if kinds.get(key) in NUMBER_KINDS]
    dates, numbers = [], []
    for count, cells in enumerate(rows):
        if count >= SAMPLE_ROWS:
            break
        dates.extend(cells)
        numbers.extend(cells[i] for i in numeric if i < len(cells))
    english = locale.split("_")[0] == "en"
    decimal = guess_decimal(numbers, "." if english else ",")
    american = english and decimal.value == "."  # else day first, as most of the world
    return guess_date_order(dates, "mdy" if american else "dmy"), decimal


# --- rows ----------------------------------------------------------------------------------


def _lengths(entity: str) -> dict[str, int]:
    """Field key -> the most characters its column holds."""
    from ..models import Account, Contact, Lead, Opportunity

    model = {"opportunity": Opportunity, "account": Account, "contact": Contact, "lead": Lead}
    columns = model[entity].__table__.columns
    return {
        c.key: c.type.length
        for c in columns
        if isinstance(c.type, String) and getattr(c.type, "length", None)
    }


@dataclass
class RowConverter:
    """Converts rows of one file: its entity, column mapping (index -> field key), date
    order (``dmy``, ``mdy``, ``ymd``) and decimal mark (``,`` or ``.``)."""

    entity: str
    mapping: dict[int, str]
    date_order: str = "dmy"
    locale: str = "it"
    decimal: str = ","

    def __post_init__(self):
        by_key = {f.key: f for f in fields_for(self.entity)}
        lengths = _lengths(self.entity)
        self._readers = {key: self._reader(f, lengths.get(key)) for key, f in by_key.items()}
        self._columns = [
            (i, by_key[k].key, str(by_key[k].label), self._readers[k])
            for i, k in sorted(self.mapping.items())
            if k in by_key
        ]
        self._width = max((i for i, *_ in self._columns), default=-1) + 1

    @classmethod
    def from_options(cls, entity: str, options: dict) -> "RowConverter":
        """The converter of an import run's saved ``options``."""
        mapping = {int(i): key for i, key in (options.get("mapping") or {}).items()}
        return cls(
            entity,
            mapping,
            date_order=options.get("date_order") or "dmy",
            decimal=options.get("decimal") or ",",
        )

    def convert(self, cells: list[str]) -> tuple[dict[str, object], list[tuple[str, str]]]:
        """(values by field key, [(header label, reason)]); blank cells are left out."""
        values, errors = {}, []
        if len(cells) < self._width:  # Excel drops a row's trailing empty cells
            cells = cells + [""] * (self._width - len(cells))
        for index, key, label, read in self._columns:
            raw = cells[index]
            if not raw or raw.isspace():
                continue
            try:
                values[key] = read(raw)
            except Refused as refused:
                errors.append((label, refused.reason))
        return values, errors

    def value(self, f: DataField, raw: str):
        """The value of one cell for field ``f``; Refused with the reason."""
        return self._readers[f.key](raw)

    def _reader(self, f: DataField, limit: int | None):
        """The function that reads a (non-blank) cell of field ``f``: chosen once per
        column, so that a row costs little more than its cells."""
        kind, decimal, order = f.kind, self.decimal, self.date_order
        if kind in NUMBER_KINDS:
            # A file repeats its amounts and dates: each text is read once per column.
            amount = lru_cache(CACHED_CELLS)(lambda raw: read_amount(raw, decimal, kind=kind))

            def number(raw: str) -> Decimal:
                value = _exact_number(raw) if isinstance(raw, Exact) else None
                if value is None:
                    value = amount(raw)
                if kind == "percent" and not 0 <= value <= 100:
                    raise Refused(NOT_PERCENT % {"typed": shown(raw)})
                if kind == "integer" and value != value.to_integral():
                    raise Refused(NOT_WHOLE % {"typed": shown(raw)})
                return value

            return number
        if kind == "date":
            day_of = lru_cache(CACHED_CELLS)(lambda raw: read_day(raw, order))

            def day(raw: str) -> date:
                if isinstance(raw, Exact):
                    return _exact_day(raw, order)
                return day_of(raw)

            return day
        multiline = f.key in ("description", "notes")
        email, tags = kind == "email", kind == "tags"

        def text(raw: str):
            value = raw.strip()
            if value[:1] == "'":
                value = unneutralised(value)  # our export's apostrophe before a formula
            if not value.isprintable():
                if not multiline:
                    value = LINE_BREAKS.sub(" ", value)  # a cell typed on two lines
                if control_characters(value, multiline=multiline):
                    raise Refused(CONTROL)
            if limit and len(value) > limit:
                raise Refused(TOO_LONG % {"limit": limit})
            if email and not EMAIL.fullmatch(value):
                raise Refused(NOT_EMAIL % {"typed": shown(value)})
            if tags:
                return [t.strip() for t in value.replace(";", ",").split(",") if t.strip()]
            return value

        return text


def _exact_day(text: str, order: str) -> date:
    """A typed spreadsheet cell as a date: ISO, or a serial day number (a date cell whose
    format the reader did not know), counted as Excel does from 30 Dec 1899."""
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    number = _exact_number(text)
    if number is not None and 1 <= number < 2958466 and number == number.to_integral():
        return EXCEL_EPOCH + timedelta(days=int(number))
    raise Refused(NOT_DATE[order] % {"typed": shown(text)})


def _exact_number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None
