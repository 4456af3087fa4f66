"""File sizes as people read them: ``512 bytes``, ``1.5 kB``, ``12.3 MB`` (Babel's units, in
the user's locale)."""

from functools import lru_cache

from babel import Locale
from babel.units import format_unit

from .locale import current_locale
from .money import DIGITS

_UNITS = (("digital-gigabyte", 1024**3), ("digital-megabyte", 1024**2), ("digital-kilobyte", 1024))


def file_size(size: int | None, locale: str | None = None) -> str:
    """Bytes below 1 kB, else kB/MB/GB with one decimal at most."""
    return _file_size(max(int(size or 0), 0), locale or current_locale())


@lru_cache(maxsize=1024)
def _file_size(size: int, locale: str) -> str:
    """Babel's unit formatting costs ~0.1 ms a call; a deal's documents are shown again and
    again: remembered. In the locale's own numbering system (Persian: ۱۲٫۱ kB), as amounts."""
    digits = DIGITS.get(Locale.parse(locale).default_numbering_system) or {}
    own = {"locale": locale, "numbering_system": "default"}
    for unit, scale in _UNITS:
        if size >= scale:
            shown = format_unit(size / scale, unit, length="short", format="#,##0.#", **own)
            return shown.translate(digits)
    return format_unit(size, "digital-byte", length="long", format="#,##0", **own).translate(digits)
