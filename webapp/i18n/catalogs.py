"""Compiled catalogues: each ``messages.po`` turned into the ``messages.mo`` gettext reads.

``python -m webapp.i18n`` compiles the stale ones (``make`` runs it at install, the
test suite at its start); ``.mo`` files are build output and stay out of git.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORE_CATALOGS = PROJECT_ROOT / "webapp" / "translations"


def catalogue_folders() -> list[Path]:
    """The core's catalogue folder and those of the bundled plugins."""
    return [CORE_CATALOGS, *sorted(PROJECT_ROOT.glob("plugins/*/translations"))]


def compile_stale(folders: list[Path] | None = None) -> list[Path]:
    """Compile every ``.po`` newer than its ``.mo``; return the ``.mo`` files written.
    Fuzzy entries are left out, as gettext tools do."""
    written = []
    for folder in folders or catalogue_folders():
        for po in sorted(folder.glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            with mo.open("wb") as target:
                write_mo(target, catalog)
            written.append(mo)
    return written

