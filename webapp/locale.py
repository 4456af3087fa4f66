"""The locale a user reads and types numbers and dates in: ``current_locale()``.

Flask-Babel picks it once per request (``webapp.i18n.select_locale``: the user's choice, else
``Accept-Language``); outside a request (CLI, background jobs) it is English.
"""

from flask import g, has_request_context, request
from flask_babel import get_locale, get_translations, refresh

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


_CODE = "opportuno.locale"


def current_locale() -> str:
    """The language code (one of SUPPORTED) of the current user, found once per request (a
    page formats a hundred amounts and dates)."""
    if not has_request_context():
        return DEFAULT
    environ = request.environ
    code = environ.get(_CODE)
    if code is None:
        for_this_request()
        locale = get_locale()
        code = environ[_CODE] = locale.language if locale is not None else DEFAULT
    return code


_CATALOGUE = "opportuno.translations"


def catalogue():
    """The request's catalogue, found once per request (Flask-Babel looks it up through
    three context locals on every call: about 20 µs, and a page has a hundred strings)."""
    if not has_request_context():
        return get_translations()
    environ = request.environ
    found = environ.get(_CATALOGUE)
    if found is None:
        found = environ[_CATALOGUE] = get_translations()
    return found


def translate(message: str, **variables) -> str:
    """Flask-Babel's ``gettext`` (``%(name)s`` filled in), with ``catalogue()``: for what a
    page shows many times (field names, labels)."""
    text = catalogue().gettext(message)
    return text % variables if variables else text
