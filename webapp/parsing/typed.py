"""What a person typed, made comparable: digits of other scripts as ASCII, invisible marks
dropped; ``ParseError`` for text that cannot be read."""

from babel import Locale

from ..locale import current_locale

# Persian (U+06F0..U+06F9) and Arabic-Indic (U+0660..U+0669) digits -> 0..9.
_DIGITS = {0x06F0 + i: str(i) for i in range(10)} | {0x0660 + i: str(i) for i in range(10)}
# Bidi marks that pasted or locale-formatted text carries (LRM, RLM, ALM).
_INVISIBLE = dict.fromkeys((0x200E, 0x200F, 0x061C))
SHOWN_LENGTH = 40


class ParseError(ValueError):
    """Text that is not a value of the kind asked for; ``message`` is safe to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalized(text: str) -> str:
    """``text`` without surrounding space or bidi marks, its digits in ASCII."""
    return text.translate(_DIGITS | _INVISIBLE).strip()


def shown(text: str) -> str:
    """The typed text as a message quotes it (stripped, long text cut short)."""
    text = str(text).strip()
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


def language_name(code: str) -> str:
    """The language ``code`` names, in the reader's language: ``Italian``, ``italiano``."""
    return Locale.parse(code).get_display_name(current_locale())
