"""vCard files (2.1, 3.0, 4.0) read as a table of contacts, one card at a time.

A small parser (RFC 2425/6350 content lines): folded lines, ``group.`` prefixes, parameters
(``TYPE=work,cell``, the bare ``CELL`` of 2.1, quoted values), backslash escapes, and the
``QUOTED-PRINTABLE`` / ``CHARSET`` of vCard 2.1. Each card becomes one row under headers
that are the contact fields' labels, so the column mapping finds them by itself.
"""

import quopri
from collections.abc import Iterator
from pathlib import Path

from flask_babel import lazy_gettext as _l

HEADERS = [
    "External ID",
    "First name",
    "Last name",
    "Email",
    "Phone",
    "Mobile",
    "Title",
    "Account",
    "Notes",
]
MOBILE_TYPES = {"cell", "mobile", "iphone"}
NO_CARDS = _l("The vCard file holds no contact cards.")
BROKEN = _l("Line %(line)s of the vCard file cannot be read: a card is not closed with END:VCARD.")


def open_cards(path: Path, encoding: str):
    """A Table of the cards in ``path`` (read as ``encoding``), one row per card."""
    from .reading import Table, UnreadableFile

    handle = path.open(encoding=encoding, errors="replace", newline="")

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            card, start = None, 0
            for number, line in _unfolded(handle):
                name, params, value = _content_line(line)
                if name == "BEGIN" and value.strip().upper() == "VCARD":
                    card, start = [], number
                elif name == "END" and value.strip().upper() == "VCARD" and card is not None:
                    yield start, _row(card)
                    card = None
                elif card is not None and name:
                    card.append((name, params, value))
            if card is not None:
                raise UnreadableFile(BROKEN % {"line": start})
        finally:
            handle.close()

    iterator = rows()
    first = next(iterator, None)
    if first is None:
        iterator.close()
        raise UnreadableFile(NO_CARDS)

    def chained() -> Iterator[tuple[int, list[str]]]:
        try:
            yield first
            yield from iterator
        finally:
            iterator.close()

    return Table("vcard", list(HEADERS), chained())


def _unfolded(handle) -> Iterator[tuple[int, str]]:
    """(number of the line it starts on, logical line): folded continuations (a leading
    space or tab) joined, and quoted-printable soft breaks (a trailing ``=``) too."""
    start, current = 0, None
    for number, raw in enumerate(handle, start=1):
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if current is not None and line[:1] in (" ", "\t"):
            current += line[1:]
            continue
        if current is not None and current.endswith("=") and _quoted_printable(current):
            current += "\n" + line  # quopri decodes ``=\n`` as a soft line break
            continue
        if current is not None:
            yield start, current
        start, current = number, line
    if current is not None:
        yield start, current


def _quoted_printable(line: str) -> bool:
    head = line.split(":", 1)[0].upper()
    return "QUOTED-PRINTABLE" in head


def _content_line(line: str) -> tuple[str, dict[str, list[str]], str]:
    """(NAME, {PARAM: [values]}, raw value) of ``[group.]NAME;PARAM=V:value``."""
    if not line.strip():
        return "", {}, ""
    quoted, colon = False, -1
    for index, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            colon = index
            break
    if colon < 0:
        return "", {}, ""
    head, value = line[:colon], line[colon + 1 :]
    parts = _split(head, ";", quotes=True)
    name = parts[0].rsplit(".", 1)[-1].strip().upper()
    params: dict[str, list[str]] = {}
    for part in parts[1:]:
        key, eq, values = part.partition("=")
        if not eq:  # vCard 2.1: a bare type (``CELL``) or encoding (``QUOTED-PRINTABLE``)
            key, values = (
                ("ENCODING" if part.upper() in ("QUOTED-PRINTABLE", "BASE64") else "TYPE"),
                part,
            )
        for item in _split(values, ",", quotes=True):  # TYPE=work,cell or TYPE="work,cell"
            for one in item.strip().strip('"').split(","):
                params.setdefault(key.strip().upper(), []).append(one.strip().lower())
    if "quoted-printable" in params.get("ENCODING", []):
        charset = (params.get("CHARSET") or ["utf-8"])[0]
        data = quopri.decodestring(value.encode("latin-1", errors="replace"))
        try:
            value = data.decode(charset, errors="replace")
        except LookupError:
            value = data.decode("utf-8", errors="replace")
    return name, params, value


def _split(text: str, mark: str, *, quotes: bool = False) -> list[str]:
    """``text`` split at ``mark`` not escaped by a backslash (nor inside double quotes)."""
    parts, current, escaped, quoted = [], "", False, False
    for ch in text:
        if escaped:
            current += "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"' and quotes:
            quoted = not quoted
            current += ch
        elif ch == mark and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current + ("\\" if escaped else ""))
    return parts


def _unescaped(text: str) -> str:
    out, escaped = [], False
    for ch in text:
        if escaped:
            out.append("\n" if ch in "nN" else ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            out.append(ch)
    return "".join(out).strip()


def _preferred(items: list[tuple[dict, str]]) -> str:
    """The value marked preferred (``TYPE=pref`` or ``PREF=1``), else the first."""
    for params, value in items:
        if "pref" in params.get("TYPE", []) or params.get("PREF"):
            return value
    return items[0][1] if items else ""


def _row(card: list[tuple[str, dict, str]]) -> list[str]:
    fields: dict[str, str] = {}
    emails, phones, mobiles = [], [], []
    for name, params, value in card:
        if name == "N":
            parts = [_unescaped(p) for p in _split(value, ";")] + ["", ""]
            fields.setdefault("last", parts[0])
            fields.setdefault("first", " ".join(p for p in parts[1:3] if p))
        elif name == "FN":
            fields.setdefault("full", _unescaped(value))
        elif name == "EMAIL":
            emails.append((params, _unescaped(value)))
        elif name == "TEL":
            number = _unescaped(value).removeprefix("tel:")
            kinds = set(params.get("TYPE", []))
            (mobiles if kinds & MOBILE_TYPES else phones).append((params, number))
        elif name == "ORG":
            fields.setdefault("org", _unescaped(_split(value, ";")[0]))
        elif name in ("TITLE", "NOTE", "UID"):
            fields.setdefault(name.lower(), _unescaped(value))
    first, last = fields.get("first", ""), fields.get("last", "")
    if not last and fields.get("full"):
        given, _, family = fields["full"].rpartition(" ")
        first, last = first or given, family
    return [
        fields.get("uid", ""),
        first,
        last,
        _preferred(emails),
        _preferred(phones),
        _preferred(mobiles),
        fields.get("title", ""),
        fields.get("org", ""),
        fields.get("note", ""),
    ]
