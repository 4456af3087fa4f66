"""The locale a user reads and types numbers and dates in: ``current_locale()``.

A seam for the i18n work: today it is the request's ``Accept-Language``; then it becomes the
user's profile choice (Flask-Babel's ``get_locale``), and its callers do not change.
"""

from flask import g, has_request_context, request

SUPPORTED = ("en", "it", "fa")
DEFAULT = "en"


def current_locale() -> str:
    """The language code (one of SUPPORTED) of the current user.

    For now the best match of the request's ``Accept-Language`` header (``it-IT`` -> ``it``),
    ``en`` when nothing matches and outside a request (CLI, background jobs), worked out once
    per request. The i18n work replaces this body with the user's profile choice, falling
    back to the header, through Flask-Babel."""
    if not has_request_context():
        return DEFAULT
    current = request._get_current_object()
    cached = g.get("_locale")
    if cached is not None and cached[0] is current:
        return cached[1]
    code = request.accept_languages.best_match(SUPPORTED, default=DEFAULT)
    g._locale = (current, code)  # keyed by the request: g outlives it in a shared app context
    return code
