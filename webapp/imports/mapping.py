"""Which column of a file holds which field: guessed from the headers, edited by the person,
remembered per user and file shape.

Headers are compared normalised: case, accents, punctuation and units in brackets
(``Importo (€)``, ``Amount (EUR)``, ``Probabilità (%)``) do not matter, nor a record-kind
prefix as Pipedrive writes it (``Deal - Title``, ``Person - Email``).
"""

import hashlib
import re
import unicodedata

from sqlalchemy import select

from ..datafields import DataField, english, fields_for
from ..extensions import db
from ..models import ImportMapping, User

UNITS = re.compile(r"[(\[][^)\]]{0,12}[)\]]")
PREFIXES = ("deal", "organization", "organisation", "person", "lead", "contact", "account")


def normal(header: str) -> str:
    """``Importo (€)`` -> ``importo``; ``Data_chiusura`` -> ``data chiusura``."""
    text = unicodedata.normalize("NFKD", str(header).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = UNITS.sub(" ", text)
    text = re.sub(r"[^\w]+|_", " ", text)
    return " ".join(text.split())


def _names(header: str) -> list[str]:
    """The header's normal form, then without a ``Kind - `` prefix."""
    whole = normal(header)
    names = [whole]
    kind, dash, rest = str(header).partition(" - ")
    if dash and normal(kind) in PREFIXES and normal(rest):
        names.append(normal(rest))
    return names


def guess_mapping(entity: str, headers: list[str]) -> dict[int, str]:
    """Column index -> field key, for the headers that name a field (English, Italian, the
    reader's language as our exports write it, and the names Vtiger, Pipedrive and Odoo
    exports use); each field once, first column wins."""
    names: dict[str, str] = {}
    for f in fields_for(entity):
        for name in (english(f.label), str(f.label), f.key, *f.aliases):
            names.setdefault(normal(name), f.key)
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        for name in _names(header):
            key = names.get(name)
            if key and key not in taken:
                mapping[index] = key
                taken.add(key)
                break
    return mapping


def missing_required(entity: str, mapping: dict[int, str]) -> list[DataField]:
    """The required fields of ``entity`` that no column of ``mapping`` fills."""
    chosen = set(mapping.values())
    return [f for f in fields_for(entity) if f.required and f.key not in chosen]


def shape(headers: list[str]) -> str:
    """A key for the file's header row, under which a user's mapping is remembered."""
    normal_row = "\x1f".join(normal(h) for h in headers)
    return hashlib.sha256(normal_row.encode()).hexdigest()


def remembered(user: User, entity: str, headers: list[str]) -> dict[int, str] | None:
    """The mapping ``user`` last chose for a file of this shape, the fields that still exist
    and columns the file has."""
    row = db.session.scalar(
        select(ImportMapping).where(
            ImportMapping.user_id == user.id,
            ImportMapping.entity == entity,
            ImportMapping.shape == shape(headers),
        )
    )
    if row is None:
        return None
    keys = {f.key for f in fields_for(entity)}
    return {
        int(i): key
        for i, key in row.mapping.items()
        if str(i).isdigit() and int(i) < len(headers) and key in keys
    }


def remember(user: User, entity: str, headers: list[str], mapping: dict[int, str]) -> None:
    """Keep ``mapping`` as ``user``'s choice for this file shape (inside the caller's
    intent)."""
    key = shape(headers)
    row = db.session.scalar(
        select(ImportMapping).where(
            ImportMapping.user_id == user.id,
            ImportMapping.entity == entity,
            ImportMapping.shape == key,
        )
    )
    if row is None:
        row = ImportMapping(user_id=user.id, entity=entity, shape=key)
        db.session.add(row)
    row.mapping = {str(i): k for i, k in sorted(mapping.items())}
