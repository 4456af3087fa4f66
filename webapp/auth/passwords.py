"""The password policy: long enough, not absurdly long, not a common password, not the email.

The common passwords are zxcvbn's list of the 30,000 most frequent ones in public breaches."""

from flask import current_app
from zxcvbn.matching import RANKED_DICTIONARIES

MAX_LENGTH = 1024
TOO_SHORT = "The password needs at least {n} characters."
TOO_LONG = f"The password may have at most {MAX_LENGTH} characters."
TOO_COMMON = "This password is too common (it appears in lists of breached passwords)."
LIKE_EMAIL = "The password must not be your email address."


def min_length() -> int:
    return int(current_app.config.get("PASSWORD_MIN_LENGTH", 8))


def password_problem(password: str | None, *, email: str | None = None) -> str | None:
    """What is wrong with ``password`` (a message to show), or None when it is acceptable."""
    password = password or ""
    if len(password) < min_length():
        return TOO_SHORT.format(n=min_length())
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    folded = password.casefold()
    if folded in RANKED_DICTIONARIES["passwords"]:
        return TOO_COMMON
    if email and folded in (email.casefold(), email.casefold().split("@")[0]):
        return LIKE_EMAIL
    return None
