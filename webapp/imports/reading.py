"""Reading an uploaded file as a table of text cells, one row at a time.

FIRST CUT (to be completed): UTF-8 CSV with a sniffed delimiter only. The full reader detects
the encoding, reads XLSX and vCard, and keeps the same interface.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


class UnreadableFile(ValueError):
    """The file cannot be read as a table; the message says why, for the person."""


@dataclass
class Table:
    """A file read as rows of text cells. ``rows`` yields ``(line, cells)`` where ``line`` is
    the 1-based line (CSV) or row (XLSX) or card (vCard) number a person sees in the file."""

    kind: str  # csv, xlsx, vcard
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)  # what was detected, for the page


def open_table(
    path: str | Path, *, filename: str, encoding: str | None = None, delimiter: str | None = None
) -> Table:
    """Open ``path`` (an upload named ``filename``) as a Table; raises UnreadableFile."""
    handle = open(path, encoding=encoding or "utf-8-sig", newline="")  # noqa: SIM115
    sample = handle.read(64 * 1024)
    handle.seek(0)
    delimiter = delimiter or csv.Sniffer().sniff(sample, ";,\t").delimiter
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        headers = next(reader)
    except StopIteration:
        handle.close()
        raise UnreadableFile("The file is empty.") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        with handle:
            for cells in reader:
                yield reader.line_num, cells

    return Table("csv", headers, rows(), encoding or "utf-8", delimiter)
