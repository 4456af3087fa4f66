"""Which column of a file holds which field: guessed from the headers, edited by the person.

FIRST CUT (to be completed): exact header matches only.
"""

import hashlib

from ..datafields import fields_for


def guess_mapping(entity: str, headers: list[str]) -> dict[int, str]:
    """Column index -> field key, for the headers that name a field (English or Italian)."""
    names = {}
    for f in fields_for(entity):
        for name in (f.label, *f.aliases):
            names.setdefault(name.strip().casefold(), f.key)
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        key = names.get(header.strip().casefold())
        if key and key not in taken:
            mapping[index] = key
            taken.add(key)
    return mapping


def shape(headers: list[str]) -> str:
    """A key for the file's header row, under which a user's mapping is remembered."""
    normal = "\x1f".join(h.strip().casefold() for h in headers)
    return hashlib.sha256(normal.encode()).hexdigest()
