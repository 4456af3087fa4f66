"""Parsing of opportunity field values from forms, the API or the CLI into typed values.

Typed numbers and dates are read in the user's locale (``webapp.locale.current_locale``:
``1.500,50`` in Italian, ``1,500.50`` in English); callers outside a request read English,
whose plain form (``1500.50``, ``2026-12-31``) is the canonical one machines send, or pass
``locale=`` explicitly. Decimal, int, date and datetime values from code pass as they are.
"""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import inputs
from ..errors import ValidationError
from ..extensions import db
from ..locale import current_locale
from ..models import Account, Contact, Source, User
from ..models.forecast import FORECAST_CATEGORIES
from ..parsing import ParseError, read_date, read_datetime, read_number

MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_QUANTITY = Decimal("9999999999.99")  # Numeric(12, 2)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(
    field: str, value, *, required: bool = False, max_len: int = 200, multiline: bool = False
) -> str | None:
    """Stripped text or None; see ``inputs.text`` (length, control characters)."""
    return inputs.text(field, value, max_len=max_len, required=required, multiline=multiline)


def number(field: str, value, *, kind: str = "number", locale: str | None = None) -> Decimal | None:
    """A typed number read in ``locale`` (default: the user's), None when blank; ``kind``:
    ``number``, ``whole`` or ``percent`` (a trailing % allowed). Numbers from code pass."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("Enter a number.")})
    if isinstance(value, Decimal | int):
        found = Decimal(value)
    elif isinstance(value, float):
        found = Decimal(str(value))
    else:
        try:
            found = read_number(value, locale or current_locale(), kind=kind)
        except ParseError as exc:
            raise ValidationError({field: exc.message}) from None
    if not found.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return found


def money(
    field: str, value, *, required: bool = False, locale: str | None = None
) -> Decimal | None:
    """An amount or a price: not negative, at most MAX_MONEY, to the cent."""
    if _blank(value):
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    amount = number(field, value, locale=locale)
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if amount > MAX_MONEY:
        raise ValidationError({field: _("That amount is too large.")})
    return amount.quantize(Decimal("0.01"))


def integer(
    field: str,
    value,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    locale: str | None = None,
):
    if _blank(value):
        return None
    whole = int(number(field, value, kind="whole", locale=locale))
    if minimum is not None and whole < minimum:
        raise ValidationError({field: _("Must be at least %(num)d.", num=minimum)})
    if maximum is not None and whole > maximum:
        raise ValidationError({field: _("Must be at most %(num)d.", num=maximum)})
    return whole


def day(field: str, value, *, locale: str | None = None) -> date | None:
    """A date: ISO or the locale's short form (``12/31/2026`` in English)."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return read_date(value, locale or current_locale())
    except ParseError as exc:
        raise ValidationError({field: exc.message}) from None


def moment(field: str, value, *, locale: str | None = None) -> datetime | None:
    """A date and time (a date alone is 09:00), forms as ``day`` plus ``14:30``."""
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value
    try:
        return read_datetime(value, locale or current_locale())
    except ParseError as exc:
        raise ValidationError({field: exc.message}) from None


# What a form says when the id it sent is not (or no longer) a row, by the row's kind.
UNKNOWN = {
    "stage": _l("Unknown stage."),
    "pipeline": _l("Unknown pipeline."),
    "product": _l("Unknown product."),
    "lost reason": _l("Unknown lost reason."),
    "owner": _l("Unknown owner."),
    "account": _l("Unknown account."),
    "contact": _l("Unknown contact."),
    "source": _l("Unknown source."),
    "business line": _l("Unknown business line."),
}


def row(field: str, model, value, label: str):
    """The row of ``model`` with id ``value``, or a ValidationError naming it unknown
    (``label``: its kind, a key of UNKNOWN)."""
    if _blank(value):
        return None
    if isinstance(value, model):
        return value
    number = value if isinstance(value, int) else inputs.integer(value, minimum=1)
    found = None if number is None else db.session.get(model, number)
    if found is None or getattr(found, "deleted_at", None) is not None:
        raise ValidationError({field: str(UNKNOWN[label])})
    return found


def forecast_category(value) -> str | None:
    """One of FORECAST_CATEGORIES, or None (blank): the category follows the probability."""
    if _blank(value):
        return None
    if value not in FORECAST_CATEGORIES:
        raise ValidationError({"forecast_category": _("Choose one of the forecast categories.")})
    return value


PARSERS = {
    "name": lambda v: text("name", v, required=True),
    "description": lambda v: text("description", v, max_len=20000, multiline=True),
    "currency": lambda v: (text("currency", v, max_len=3) or "EUR").upper(),
    "amount": lambda v: money("amount", v) or Decimal("0.00"),
    "objective": lambda v: money("objective", v),
    "revenue_low": lambda v: money("revenue_low", v),
    "revenue_high": lambda v: money("revenue_high", v),
    "probability": lambda v: integer("probability", v, minimum=0, maximum=100),
    "forecast_category": forecast_category,
    "close_date": lambda v: day("close_date", v),
    "contract_start": lambda v: day("contract_start", v),
    "contract_months": lambda v: integer("contract_months", v, minimum=1, maximum=120),
    "account_id": lambda v: row("account_id", Account, v, "account"),
    "primary_contact_id": lambda v: row("primary_contact_id", Contact, v, "contact"),
    "owner_id": lambda v: row("owner_id", User, v, "owner"),
    "source_id": lambda v: row("source_id", Source, v, "source"),
}

# Field name -> the attribute set on the opportunity (relations are set by object).
ATTRIBUTES = {
    "account_id": "account",
    "primary_contact_id": "primary_contact",
    "owner_id": "owner",
    "source_id": "source",
}
EDITABLE = tuple(PARSERS)


def parse(data: dict) -> dict:
    """Parse every known field in ``data``; collect all errors before raising."""
    parsed, errors = {}, {}
    for key, value in data.items():
        if key not in PARSERS:
            continue
        try:
            parsed[key] = PARSERS[key](value)
        except ValidationError as exc:
            errors.update(exc.errors)
    low, high = parsed.get("revenue_low"), parsed.get("revenue_high")
    if low is not None and high is not None and low > high:
        errors["revenue_high"] = _("The high estimate must not be below the low one.")
    if errors:
        raise ValidationError(errors)
    return parsed
