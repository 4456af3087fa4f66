"""How account and contact names are compared: keys that ignore case, accents, punctuation,
spacing and (for near matches) the legal form.

``name_key("Fiume Foods")`` == ``name_key("FIUME-foods ")`` == "fiumefoods": the same name.
``core_key("Fiume Foods S.r.l.")`` == "fiumefoods": the same company, another legal form.
"""

import unicodedata

KEY_LENGTH = 200

# Legal forms dropped from the end of a company name (written without dots or spaces).
# fmt: off
LEGAL_FORMS = frozenset((
    "srl", "srls", "spa", "sapa", "sas", "snc", "scarl", "scrl", "coop", "onlus",
    "ltd", "limited", "plc", "llp", "lp", "llc", "inc", "incorporated", "corp", "corporation",
    "co", "company", "gmbh", "ag", "kg", "ohg", "ug", "ev", "mbh", "sa", "sarl", "sasu", "sl",
    "slu", "bv", "nv", "ab", "oy", "as", "asa", "aps", "pty",
))
# fmt: on


def _fold(text: str) -> str:
    """Lower case without accents (é -> e, ß -> ss)."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    """The folded words of ``text``, each reduced to its letters and digits."""
    words = ("".join(filter(str.isalnum, word)) for word in _fold(text).split())
    return [word for word in words if word]


def name_key(name: str | None) -> str:
    """The name as compared for an exact match: folded, letters and digits only."""
    if not name:
        return ""
    key = "".join(_words(name)) or _fold(name).strip()
    return key[:KEY_LENGTH]


def core_key(name: str | None) -> str:
    """``name_key`` without the legal form at the end ("Fiume Foods srl" -> "fiumefoods";
    "S. r. l." and "& C." count too); the name itself when it is only a legal form."""
    words = _words(name or "")
    while len(words) > 1:
        if words[-1] in LEGAL_FORMS or words[-1] == "c" and len(words) > 2:
            words.pop()
            continue
        letters = 0  # "s r l": single letters that spell a legal form together
        while letters < len(words) - 1 and len(words[-1 - letters]) == 1:
            letters += 1
        if letters > 1 and "".join(words[-letters:]) in LEGAL_FORMS:
            del words[-letters:]
            continue
        break
    return "".join(words)[:KEY_LENGTH] or name_key(name)


def contact_key(first_name: str | None, last_name: str | None) -> str:
    """The full name of a contact as compared for an exact match."""
    return name_key(f"{first_name or ''} {last_name or ''}")
