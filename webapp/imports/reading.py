"""Reading an uploaded file as a table of text cells, one row at a time, memory bounded.

What the file is comes from its content, not its name: XLSX (a ZIP holding a workbook),
vCard (``BEGIN:VCARD``), else delimited text (CSV). Text is decoded with the encoding found
from its byte order mark, a check that it is UTF-8 throughout, or charset-normalizer
(Windows-1252 for Western text); the person may override it, and the delimiter (``;``, ``,``,
tab, ``|``) sniffed from the first records. Spreadsheet cells that hold a real date or number
come out as ``Exact`` text (``2026-12-31``, ``1500.5``) that the converter reads without the
file's locale guesses. A file that cannot be read raises ``UnreadableFile`` saying why.
"""

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from charset_normalizer import from_bytes
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from . import vcard

SAMPLE_BYTES = 64 * 1024
CHUNK_BYTES = 256 * 1024
DELIMITERS = {
    ";": _l("Semicolon (;)"),
    ",": _l("Comma (,)"),
    "\t": _l("Tab"),
    "|": _l("Vertical bar (|)"),
}
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": _l("Windows-1252 (Western European)"),
    "iso-8859-15": "ISO-8859-15 (Latin-9)",
    "mac_roman": "Mac Roman",
}
# Unicode ranges of text in Latin letters, as charset-normalizer names them.
LATIN_RANGES = ("Basic Latin", "Latin", "General Punctuation", "Currency Symbols", "Control")
BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
CSV_FIELD_LIMIT = 1 << 20  # one cell of at most 1 MB (csv's own default is 128 KB)
MAX_COLUMNS = 500
TITLE_LINES = 5  # lines of title above the header row that are skipped
# Leading bytes of files people pick by mistake, and what to say about them.
NOT_TABLES = (
    (b"\x89PNG", _l("an image")),
    (b"\xff\xd8\xff", _l("an image")),
    (b"GIF8", _l("an image")),
    (b"%PDF", _l("a PDF document")),
    (b"\xd0\xcf\x11\xe0", _l("an old Excel (.xls) or Word file: save it as XLSX or CSV")),
)

EMPTY = _l("The file is empty.")
HEADER_ONLY = _l("The file has a header row but no rows of data.")
BINARY = _l("This file is not a CSV, an XLSX spreadsheet or a vCard file.")
NOT_TABLE = _l("This file is %(what)s, not a CSV, an XLSX spreadsheet or a vCard file.")
NOT_XLSX = _l("This ZIP file is not an XLSX spreadsheet: save the sheet as XLSX or CSV.")
BROKEN_XLSX = _l("This spreadsheet cannot be read (%(error)s); save it again as XLSX or CSV.")
NO_SHEET = _l("The spreadsheet has no sheet named %(sheet)s.")
TOO_WIDE = _l("The header row has more than %(limit)s columns; is this the right file?")
BAD_CSV = _l("Line %(line)s cannot be read as CSV (%(error)s).")
UNKNOWN_ENCODING = _l("There is no encoding named %(encoding)s.")
TITLE_SKIPPED = _l("The header row is line %(line)s; the lines above it were skipped.")


class UnreadableFile(ValueError):
    """The file cannot be read as a table; the message says why, for the person."""


class Exact(str):
    """A cell a spreadsheet typed: an ISO date (``2026-12-31``, with ``T14:30:00`` when it
    has a time) or a number written plainly (``1500.5``); read without locale guesses."""

    __slots__ = ()


@dataclass
class Table:
    """A file read as rows of text cells. ``rows`` yields ``(line, cells)`` where ``line`` is
    the 1-based line a person finds the record at (CSV: where a record with quoted newlines
    starts; XLSX: the sheet's row; vCard: the ``BEGIN:VCARD`` line). Blank rows are skipped,
    trailing empty cells dropped. ``close()`` frees the file when the rows are not all read."""

    kind: str  # csv, xlsx, vcard
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)  # what was detected, for the page
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close:
            close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_table(
    path: str | Path,
    *,
    filename: str = "",
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Open ``path`` (an upload named ``filename``) as a Table: its headers read and at
    least one data row present. ``encoding``, ``delimiter`` (text) and ``sheet`` (XLSX)
    override what is detected. Raises UnreadableFile with a message for the person."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if not head.strip(b" \t\r\n\x00" + codecs.BOM_UTF8 + codecs.BOM_UTF16_LE):
        raise UnreadableFile(EMPTY)
    if head.startswith(b"PK\x03\x04"):
        table = _open_xlsx(path, sheet)
    else:
        for magic, what in NOT_TABLES:
            if head.startswith(magic):
                raise UnreadableFile(NOT_TABLE % {"what": what})
        encoding = _encoding(path, head, encoding)
        text = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
        if text[:11].upper() == "BEGIN:VCARD":
            table = vcard.open_cards(path, encoding)
            table.encoding = encoding
        else:
            table = _open_csv(path, head, encoding, delimiter)
    return _with_first_row(table)


def _with_first_row(table: Table) -> Table:
    """The table, refused when no data row follows its headers (the row is kept)."""
    if len(table.headers) > MAX_COLUMNS:
        table.close()
        raise UnreadableFile(TOO_WIDE % {"limit": MAX_COLUMNS})
    rows = table.rows
    first = next(rows, None)
    if first is None:
        table.close()
        raise UnreadableFile(HEADER_ONLY)

    def chained() -> Iterator[tuple[int, list[str]]]:
        try:
            yield first
            yield from rows
        finally:
            rows.close()

    table.rows = chained()
    return table


# --- text: encoding and delimiter ----------------------------------------------------------


def _encoding(path: Path, head: bytes, chosen: str | None) -> str:
    """The codec to read the file with: the chosen one, its BOM's, UTF-16 without BOM when
    every other byte is NUL, UTF-8 when the whole file decodes as such, else a guess."""
    for bom, codec in BOMS:
        if head.startswith(bom):
            detected = codec
            break
    else:
        detected = _without_bom(path, head)
    if chosen is None:
        return "utf-8-sig" if detected == "utf-8" else detected
    if chosen in ("utf-8", "utf-8-sig"):
        return "utf-8-sig"
    if chosen == "utf-16":  # its byte order from the BOM, else from the NUL bytes
        return detected if detected.startswith("utf-16") else "utf-16-le"
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise UnreadableFile(UNKNOWN_ENCODING % {"encoding": chosen}) from None
    return chosen


def _without_bom(path: Path, head: bytes) -> str:
    even, odd = head[0::2], head[1::2]
    if len(head) >= 4:
        if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
            return "utf-16-le"
        if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
            return "utf-16-be"
    if b"\x00" in head:
        raise UnreadableFile(BINARY)
    if _all_utf8(path):
        return "utf-8"
    return _legacy(head)


def _legacy(head: bytes) -> str:
    """Windows-1252 for text in Latin letters (what Excel writes in Western Europe), unless
    it cannot be or charset-normalizer finds another script (Cyrillic, Greek...)."""
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        western = False
    else:
        western = True
    best = from_bytes(head).best()
    if best is None:
        return "cp1252"
    latin = all(a.startswith(LATIN_RANGES) for a in best.alphabets)
    return "cp1252" if western and latin else best.encoding


def _all_utf8(path: Path) -> bool:
    """True when the whole file is valid UTF-8 (read in chunks: memory stays bounded)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _open_text(path: Path, encoding: str):
    return path.open(encoding=encoding, errors="replace", newline="")


def _sniff(sample: str) -> str:
    """The delimiter that splits the header row into the most columns while no record of
    the sample spills over them (rows may be shorter: Excel drops trailing empty cells)."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut short
    text = "".join(lines[:200])
    best, best_score = ",", (0.0, 0)
    for candidate in DELIMITERS:
        try:
            records = [_trimmed(r) for r in csv.reader(io.StringIO(text), delimiter=candidate)]
        except csv.Error:
            continue
        records = [r for r in records if r]
        records = records[_header_index(records) :]
        width = len(records[0]) if records else 0
        if width < 2:
            continue
        fitting = sum(1 for r in records if len(r) <= width)
        score = (fitting / len(records), width)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def _open_csv(path: Path, head: bytes, encoding: str, delimiter: str | None) -> Table:
    sample = head.decode(encoding, errors="replace").lstrip("\ufeff")
    if delimiter not in DELIMITERS:
        delimiter = _sniff(sample)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    handle = _open_text(path, encoding)
    if handle.read(1) != "\ufeff":
        handle.seek(0)
    reader = csv.reader(handle, delimiter=delimiter)

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            while True:
                start = reader.line_num + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise UnreadableFile(BAD_CSV % {"line": start, "error": error}) from None
                cells = _trimmed(cells)
                if cells:
                    yield start, cells
        finally:
            handle.close()

    return _headed(records(), Table("csv", [], iter(()), encoding, delimiter))


def _header_index(records: list[list[str]]) -> int:
    """Where the header row is among the first records: the first one naming two columns
    or more, after at most TITLE_LINES lines of title above it (a report's heading)."""
    for index, cells in enumerate(records[: TITLE_LINES + 1]):
        if sum(1 for c in cells if c.strip()) >= 2:
            return index
    return 0


def _headed(rows: Iterator[tuple[int, list[str]]], table: Table) -> Table:
    """``table`` with its header row taken from ``rows`` (title lines above it skipped) and
    the rows after it; UnreadableFile when there are no rows at all."""
    first = list(itertools.islice(rows, TITLE_LINES + 1))
    if not first:
        rows.close()
        raise UnreadableFile(EMPTY)
    index = _header_index([cells for _, cells in first])
    line, cells = first[index]
    if index:
        table.notes.append(TITLE_SKIPPED % {"line": line})
    table.headers = _headers(cells)
    rest = first[index + 1 :]

    def chained() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from rest
            yield from rows
        finally:
            rows.close()

    table.rows = chained()
    return table


def _headers(cells: list[str]) -> list[str]:
    """Header labels, stripped; a blank one named after its place (``Column 3``)."""
    return [c.strip() or _("Column %(num)s", num=i + 1) for i, c in enumerate(cells)]


# --- XLSX ----------------------------------------------------------------------------------


def _open_xlsx(path: Path, sheet: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise UnreadableFile(NOT_XLSX)
    except zipfile.BadZipFile:
        raise UnreadableFile(NOT_XLSX) from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on damaged files
        raise UnreadableFile(BROKEN_XLSX % {"error": type(error).__name__}) from None
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        book.close()
        raise UnreadableFile(NO_SHEET % {"sheet": sheet})
    chosen = sheet or names[0]
    worksheet = book[chosen]
    worksheet.reset_dimensions()  # rows as stored, not padded to a stated A1:XFD1048576

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(worksheet.iter_rows(), start=1):
                cells = _trimmed([_cell_text(c) for c in row])
                if cells:
                    yield number, cells
        except UnreadableFile:
            raise
        except Exception as error:
            raise UnreadableFile(BROKEN_XLSX % {"error": type(error).__name__}) from None
        finally:
            book.close()

    return _headed(records(), Table("xlsx", [], iter(()), sheet=chosen, sheets=list(names)))


def _cell_text(cell) -> str:
    """A spreadsheet cell as text: typed dates and numbers as ``Exact``."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return Exact(value.date().isoformat())
        return Exact(value.isoformat(timespec="seconds"))
    if isinstance(value, date):
        return Exact(value.isoformat())
    if isinstance(value, time):
        return value.isoformat(timespec="minutes")
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (getattr(cell, "number_format", None) or ""):
            number *= 100
        return Exact(plain(number))
    return str(value)


def plain(number: Decimal) -> str:
    """``1500.5``, ``1500``: no exponent, no trailing zeros."""
    return format(number.normalize(), "f")
