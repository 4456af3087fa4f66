"""Numbers as people write them in their locale: Babel's decimal and grouping marks.

In English ``1,500.50`` and ``1500.50`` are 1500.50 and ``12,500`` is 12500; in Italian
``1.500,50`` and ``1500,50`` are 1500.50. Text that fits the locale only by misreading it
(``1.500,50`` or ``12,50`` in English, ``12.50`` in Italian: a grouping mark must be followed
by exactly three digits) is refused with the value it probably meant, written the locale's
way. Persian and Arabic-Indic digits and the Arabic decimal and thousands separators are
read in every locale. Values are exact (Decimal, never float); no exponents, NaN or infinity.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import lazy_gettext as _l

from .typed import ParseError, language_name, normalized, shown

SPACES = frozenset(" \u00a0\u202f\u2009")  # where a locale groups with a space, any of these
APOSTROPHES = frozenset("'\u2019")
ARABIC_DECIMAL, ARABIC_GROUP = "\u066b", "\u066c"
SIGNS = {"-": "-", "\u2212": "-", "+": ""}
PERCENT_SIGNS = ("%", "\u066a")
MAX_LENGTH = 64  # longer text is no number a field here can hold
EXAMPLES = {"number": Decimal("1500.50"), "whole": Decimal("1500"), "percent": Decimal("12.5")}

# Messages: whole sentences with named placeholders, ready for gettext.
MEANT_TWO_WAYS = _l("%(typed)s is not a number in %(language)s: write %(plain)s or %(grouped)s.")
MEANT = _l("%(typed)s is not a number in %(language)s: write %(plain)s.")
LIKE_TWO_WAYS = _l(
    "%(typed)s is not a number in %(language)s: write it like %(plain)s or %(grouped)s."
)
LIKE = _l("%(typed)s is not a number in %(language)s: write it like %(plain)s.")
NOT_WHOLE_TWO_WAYS = _l("%(typed)s is not a whole number: write %(low)s or %(high)s.")
NOT_WHOLE = _l("%(typed)s is not a whole number: write %(low)s.")


@dataclass(frozen=True)
class Marks:
    """How a locale writes numbers: the marks it writes and the ones it reads."""

    language: str  # its code: "it"
    decimal: str
    group: str
    decimals: frozenset[str]
    groups: frozenset[str]
    primary: int = 3  # digits in the last group (1,500)
    secondary: int = 3  # digits in the groups before it (1,000,000; 3 for en, it, fa)


@lru_cache(maxsize=32)
def marks(locale: str) -> Marks:
    """The marks of ``locale`` (``en``, ``it``, ``fa``...): of its Latin-digit and its native
    numbering systems, spaces and apostrophes grouping where the locale groups with one."""
    loc = Locale.parse(locale)
    systems = ("latn", "default")
    decimals = {get_decimal_symbol(loc, numbering_system=s) for s in systems} | {ARABIC_DECIMAL}
    groups = {get_group_symbol(loc, numbering_system=s) for s in systems} | {ARABIC_GROUP}
    for family in (SPACES, APOSTROPHES):
        if groups & family:
            groups |= family
    decimals = {m for m in decimals if len(m) == 1}
    groups = {m for m in groups if len(m) == 1} - decimals
    primary, secondary = loc.decimal_formats[None].grouping
    return Marks(
        loc.language,
        get_decimal_symbol(loc),
        get_group_symbol(loc),
        frozenset(decimals),
        frozenset(groups),
        primary,
        secondary,
    )


def read_number(text: str, locale: str, *, kind: str = "number") -> Decimal:
    """The Decimal ``text`` writes in ``locale``; ``kind`` is ``number``, ``whole`` (no
    decimals) or ``percent`` (a trailing % allowed). Raises ParseError saying what to type."""
    m = marks(locale)
    body = normalized(str(text))
    if kind == "percent":
        for sign in PERCENT_SIGNS:
            body = body.removesuffix(sign).rstrip()
    sign = SIGNS.get(body[:1])
    if sign is not None:
        body = body[1:]
    parts = _split(body, m.decimals, m.groups, m) if len(body) <= MAX_LENGTH else None
    if parts is None:
        raise ParseError(_refusal(text, sign or "", body, m, kind))
    whole, fraction = parts
    number = Decimal(f"{sign or ''}{whole}.{fraction}" if fraction else f"{sign or ''}{whole}")
    if kind == "whole" and fraction:
        low, high = number.to_integral(ROUND_FLOOR), number.to_integral(ROUND_CEILING)
        message = NOT_WHOLE_TWO_WAYS if low != high else NOT_WHOLE
        raise ParseError(
            message % {"typed": shown(text), "low": _written(low, m), "high": _written(high, m)}
        )
    return number


def editable(value, locale: str) -> str:
    """``value`` as an input shows it for ``locale`` to read back unchanged: ``1500,50`` in
    Italian (no grouping); '' for None."""
    if value is None or value == "":
        return ""
    return _written(Decimal(value), marks(locale))


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _split(body: str, decimals, groups, m: Marks) -> tuple[str, str] | None:
    """(whole digits, fraction digits) of unsigned ``body`` written with these marks, None
    when it is not written that way."""
    points = [i for i, ch in enumerate(body) if ch in decimals]
    if len(points) > 1:
        return None
    whole, fraction = (body[: points[0]], body[points[0] + 1 :]) if points else (body, "")
    if points and not _digits(fraction):
        return None  # a grouping mark, a letter or nothing after the decimal mark
    if not whole:
        return ("0", fraction) if fraction else None
    if _digits(whole):
        return whole, fraction
    chunks, chunk = [], ""
    for ch in whole:
        if ch in groups:
            chunks.append(chunk)
            chunk = ""
        elif _digits(ch):
            chunk += ch
        else:
            return None
    chunks.append(chunk)
    first, middle, last = chunks[0], chunks[1:-1], chunks[-1]
    if not 1 <= len(first) <= m.secondary or len(last) != m.primary:
        return None
    if any(len(c) != m.secondary for c in middle):
        return None
    return "".join(chunks), fraction


def _refusal(text: str, sign: str, body: str, m: Marks, kind: str) -> str:
    """The message for text not written the locale's way: the value it probably meant (read
    with the decimal and grouping marks swapped), else an example."""
    other_decimal = "." if "." not in m.decimals else ","
    other_group = "," if other_decimal == "." else "."
    parts = None
    if len(body) <= MAX_LENGTH:
        parts = _split(body, {other_decimal}, {other_group}, m)
    if parts is not None:
        meant = Decimal(sign + (f"{parts[0]}.{parts[1]}" if parts[1] else parts[0]))
        two_ways, one_way = MEANT_TWO_WAYS, MEANT
    else:
        meant = EXAMPLES.get(kind, EXAMPLES["number"])
        two_ways, one_way = LIKE_TWO_WAYS, LIKE
    plain, grouped = _written(meant, m), _written(meant, m, grouped=True)
    return (one_way if plain == grouped else two_ways) % {
        "typed": shown(text),
        "language": language_name(m.language),
        "plain": plain,
        "grouped": grouped,
    }


def _written(number: Decimal, m: Marks, *, grouped: bool = False) -> str:
    """``number`` with the locale's marks, its decimals as they are (Latin digits)."""
    text = format(number, "f")
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    if grouped and len(whole) > m.primary:
        head, chunks = whole[: -m.primary], [whole[-m.primary :]]
        while len(head) > m.secondary:
            head, chunks = head[: -m.secondary], [head[-m.secondary :], *chunks]
        whole = m.group.join([head, *chunks])
    return sign + whole + (m.decimal + fraction if fraction else "")
