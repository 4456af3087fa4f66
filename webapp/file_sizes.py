"""File sizes as people read them: ``512 bytes``, ``1.5 kB``, ``12.3 MB`` (Babel's units, in
the user's locale)."""

from babel.units import format_unit

from .locale import current_locale

_UNITS = (("digital-gigabyte", 1024**3), ("digital-megabyte", 1024**2), ("digital-kilobyte", 1024))


def file_size(size: int | None, locale: str | None = None) -> str:
    """Bytes below 1 kB, else kB/MB/GB with one decimal at most."""
    size = max(int(size or 0), 0)
    locale = locale or current_locale()
    for unit, scale in _UNITS:
        if size >= scale:
            return format_unit(size / scale, unit, length="short", format="#,##0.#", locale=locale)
    return format_unit(size, "digital-byte", length="long", format="#,##0", locale=locale)
