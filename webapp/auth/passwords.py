"""The password policy: long enough, not absurdly long, not a common password, not the email.

The common passwords are zxcvbn's list of the 30,000 most frequent ones in public breaches."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash
from zxcvbn.matching import RANKED_DICTIONARIES

MAX_LENGTH = 1024
TOO_COMMON = _l("This password is too common (it appears in lists of breached passwords).")
LIKE_EMAIL = _l("The password must not be your email address.")


def hash_password(password: str) -> str:
    """The stored hash of ``password``, by ``PASSWORD_HASH_METHOD`` (werkzeug's scrypt by
    default). Each hash names its method, so a change applies to new passwords only."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def min_length() -> int:
    return int(current_app.config.get("PASSWORD_MIN_LENGTH", 8))


def password_problem(password: str | None, *, email: str | None = None) -> str | None:
    """What is wrong with ``password`` (a message to show), or None when it is acceptable."""
    password = password or ""
    if len(password) < min_length():
        return _("The password needs at least %(count)d characters.", count=min_length())
    if len(password) > MAX_LENGTH:
        return _("The password may have at most %(count)d characters.", count=MAX_LENGTH)
    folded = password.casefold()
    if folded in RANKED_DICTIONARIES["passwords"]:
        return str(TOO_COMMON)
    if email and folded in (email.casefold(), email.casefold().split("@")[0]):
        return str(LIKE_EMAIL)
    return None
