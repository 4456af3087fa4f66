"""The locale a user reads and types numbers and dates in: ``current_locale()``.

Flask-Babel picks it once per request (``webapp.i18n.select_locale``: the user's choice, else
``Accept-Language``); outside a request (CLI, background jobs) it is English.
"""

from flask import g, has_request_context, request
from flask_babel import get_locale, refresh

SUPPORTED = ("en", "it", "fa")
DEFAULT = "en"


def N_(message: str) -> str:  # noqa: N802 (Babel's default marker name)
    """Mark ``message`` for ``make messages`` and keep it English: the code holds the msgid
    and whatever shows it translates it then (a template's ``_(label)``), which costs less
    than a lazy string rendered again and again."""
    return message


def for_this_request() -> None:
    """Forget a locale picked for another request: Flask-Babel keeps it on ``g``, which
    outlives a request when an app context is shared (tests, a CLI rendering pages)."""
    current = request._get_current_object()
    if g.get("_babel_request") is not current:
        refresh()
        g._babel_request = current


def current_locale() -> str:
    """The language code (one of SUPPORTED) of the current user."""
    if not has_request_context():
        return DEFAULT
    for_this_request()
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT
