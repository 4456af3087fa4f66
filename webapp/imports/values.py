"""Turning a row of text cells into field values, with a reason for each cell refused.

FIRST CUT (to be completed): text as is, numbers and dates through webapp.parsing.
References (account, stage, owner, ...) stay as the text read; the import resolves them.
"""

from dataclasses import dataclass

from ..datafields import DataField, fields_for
from ..parsing import ParseError, read_date, read_number

DATE_ORDERS = ("dmy", "ymd", "mdy")


@dataclass
class RowConverter:
    """Converts rows of one file: its entity, column mapping and chosen date order."""

    entity: str
    mapping: dict[int, str]
    date_order: str = "dmy"
    locale: str = "it"

    def __post_init__(self):
        by_key = {f.key: f for f in fields_for(self.entity)}
        self._columns = [(i, by_key[k]) for i, k in sorted(self.mapping.items()) if k in by_key]

    def convert(self, cells: list[str]) -> tuple[dict[str, object], list[tuple[str, str]]]:
        """(values by field key, [(header label, reason)]); blank cells are left out."""
        values, errors = {}, []
        for index, f in self._columns:
            raw = cells[index].strip() if index < len(cells) else ""
            if not raw:
                continue
            try:
                values[f.key] = self._value(f, raw)
            except ParseError as error:
                errors.append((f.label, str(error)))
        return values, errors

    def _value(self, f: DataField, raw: str):
        if f.kind in ("money", "percent", "integer"):
            return read_number(raw, self.locale)
        if f.kind == "date":
            return read_date(raw, self.locale)
        if f.kind == "tags":
            return [t.strip() for t in raw.replace(";", ",").split(",") if t.strip()]
        return raw
