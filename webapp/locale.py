"""The locale a user reads and types numbers and dates in: ``current_locale()``.

Flask-Babel picks it once per request (``webapp.i18n.select_locale``: the user's choice, else
``Accept-Language``); outside a request (CLI, background jobs) it is English.
"""

from flask import has_request_context
from flask_babel import get_locale

SUPPORTED = ("en", "it", "fa")
DEFAULT = "en"


def current_locale() -> str:
    """The language code (one of SUPPORTED) of the current user."""
    if not has_request_context():
        return DEFAULT
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT
