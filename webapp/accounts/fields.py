"""Parsing of account and contact form values into typed values (all errors at once)."""

from collections.abc import Callable

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from ..errors import ValidationError
from ..models import SALES_GROUP, User
from ..opportunities.fields import row, text


def email(field: str, value) -> str | None:
    value = text(field, value, max_len=254)
    if value is None:
        return None
    try:
        return validate_email(
            value, check_deliverability=False, globally_deliverable=False
        ).normalized
    except EmailNotValidError:
        raise ValidationError(
            {field: _("Enter an email address such as anna@example.com.")}
        ) from None


def website(field: str, value) -> str | None:
    value = text(field, value, max_len=255)
    if value and "://" not in value:
        value = f"https://{value}"
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValidationError({field: _("Enter a web address such as https://example.com.")})
    return value


def owner(field: str, value) -> User | None:
    user = row(field, User, value, "owner")
    if user is not None and (not user.active or not user.in_group(SALES_GROUP)):
        raise ValidationError({field: _("The owner must be an active member of the sales group.")})
    return user


def _parse(data: dict, parsers: dict[str, tuple[str, Callable]]) -> dict:
    """Parse the fields present in ``data``; ``parsers`` maps a form field to (attribute,
    parser). Raises one ValidationError with every field's message."""
    values, errors = {}, {}
    for key, (attribute, parse) in parsers.items():
        if key not in data:
            continue
        try:
            values[attribute] = parse(key, data[key])
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return values


def required(max_len: int):
    """A parser of a required one-line text of at most ``max_len`` characters."""
    return lambda key, value: text(key, value, required=True, max_len=max_len)


def optional(max_len: int):
    """A parser of an optional one-line text of at most ``max_len`` characters."""
    return lambda key, value: text(key, value, max_len=max_len)


def multiline(max_len: int):
    """A parser of an optional text of at most ``max_len`` characters, line breaks allowed."""
    return lambda key, value: text(key, value, max_len=max_len, multiline=True)


ACCOUNT_FIELDS = {
    "name": ("name", required(200)),
    "industry": ("industry", optional(120)),
    "website": ("website", website),
    "phone": ("phone", optional(60)),
    "email": ("email", email),
    "address": ("address", multiline(2000)),
    "city": ("city", optional(120)),
    "country": ("country", optional(80)),
    "description": ("description", multiline(20000)),
    "owner_id": ("owner", owner),
}

CONTACT_FIELDS = {
    "first_name": ("first_name", optional(120)),
    "last_name": ("last_name", required(120)),
    "email": ("email", email),
    "phone": ("phone", optional(60)),
    "mobile": ("mobile", optional(60)),
    "title": ("title", optional(120)),
    "notes": ("notes", multiline(20000)),
    "owner_id": ("owner", owner),
}


# Attribute -> the form field (and ``changes`` key) it comes from, where they differ.
FIELD_NAMES = {"owner": "owner_id", "account": "account_id"}


def differences(row, values: dict) -> dict:
    """{form field: (old, new)} for the ``values`` (attribute -> value) that differ on ``row``."""
    return {
        FIELD_NAMES.get(attribute, attribute): (getattr(row, attribute), value)
        for attribute, value in values.items()
        if getattr(row, attribute) != value
    }


def apply(row, changes: dict) -> None:
    """Set the new values of ``differences(row, ...)`` on ``row``."""
    attributes = {field: attribute for attribute, field in FIELD_NAMES.items()}
    for field, (_old, new) in changes.items():
        setattr(row, attributes.get(field, field), new)


def parse_account(data: dict) -> dict:
    """Account attributes from form-like ``data``; the name is always required."""
    return _parse({"name": None, **data}, ACCOUNT_FIELDS)


def parse_contact(data: dict) -> dict:
    """Contact attributes from form-like ``data``; the last name is always required."""
    values = _parse({"last_name": None, **data}, CONTACT_FIELDS)
    if "first_name" in values:
        values["first_name"] = values["first_name"] or ""
    return values
