"""Checks on user input that every parser shares, so SQLite and PostgreSQL accept and refuse
the same values: ids within the 32-bit ``Integer`` columns, ASCII digits only, text without
control characters and within its column's length, numbers within their ``Numeric(p, s)``.

``init_inputs(app)`` installs the bounded ``int`` URL converter (every ``<int:...>`` route,
present and future) and a last check before each flush that refuses, as a ValidationError,
any value the columns cannot hold, whatever code path set it.
"""

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Float, Integer, Numeric, String, event, inspect
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from .errors import ValidationError

FORM_OVERHEAD = 64 * 1024  # the multipart envelope around an uploaded file

MAX_ID = 2**31 - 1  # PostgreSQL ``integer``
_DIGITS = re.compile(r"-?[0-9]+")
MAX_SEARCH = 200
# Control characters (Unicode category Cc), lone surrogates and the non-characters U+FFFE/F.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` with ASCII digits only and within the database's integer range; anything
    else does not match the route (404)."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        lowest = -MAX_ID - 1 if signed else 0
        super().__init__(
            map,
            fixed_digits,
            lowest if min is None or min < lowest else min,
            MAX_ID if max is None or max > MAX_ID else max,
            signed,
        )

    @property
    def signed_regex(self) -> str:
        return r"-?[0-9]+"


def integer(value, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``value`` (a query or form string) as an int within [minimum, maximum], else None.
    Only ASCII digits count: ``²`` or ``٣`` pass ``str.isdigit()`` but are not ids."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and len(value) < 40 and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if minimum <= number <= maximum else None


def id_param(values, key: str) -> int | None:
    """The id (a positive int) under ``key`` in a MultiDict such as ``request.args``, or None."""
    return integer(values.get(key), minimum=1)


def integers(values, *, minimum: int = 1, maximum: int = MAX_ID) -> list[int]:
    """The valid ints among ``values`` (e.g. ``request.args.getlist("tag")``), in order."""
    parsed = (integer(v, minimum=minimum, maximum=maximum) for v in values)
    return [n for n in parsed if n is not None]


def control_characters(value: str, *, multiline: bool = False) -> bool:
    """True when ``value`` holds a control character (NUL included), a lone surrogate or a
    non-character; ``multiline`` text may hold tabs and line breaks."""
    return (_CONTROL_BUT_LINES if multiline else _CONTROL).search(value) is not None


def safe_local_path(target: str | None, default: str = "/") -> str:
    """``target`` when it is a same-site relative path (no open redirect) without control
    characters (a CRLF would split the Location header), else ``default``."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not control_characters(target)
        and urlsplit(target).netloc == ""
    ):
        return target
    return default


def text(
    field: str, value, *, max_len: int, required: bool = False, multiline: bool = False
) -> str | None:
    """Stripped text or None when blank; a ValidationError (keyed by ``field``) when it is
    required and blank, longer than ``max_len`` or holds control characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    value = str(value).strip()
    if len(value) > max_len:
        raise ValidationError({field: _("At most %(num)s characters.", num=max_len)})
    if control_characters(value, multiline=multiline):
        if multiline:
            message = _("Remove the control characters (such as NUL) from this text.")
        else:
            message = _("Remove the line breaks and control characters from this text.")
        raise ValidationError({field: message})
    return value


def search_text(value) -> str:
    """What to search for: ``value`` without control characters, at most MAX_SEARCH long."""
    return _CONTROL.sub("", str(value or "")[: MAX_SEARCH * 2]).strip()[:MAX_SEARCH]


def fits(number: Decimal, precision: int, scale: int) -> bool:
    """True when ``number`` (already rounded to ``scale`` places) fits ``Numeric(precision,
    scale)``."""
    return number.is_finite() and abs(number) < Decimal(10) ** (precision - scale)


# --- the last check before the database -------------------------------------------------------


def _problem(column, value) -> str | None:
    """Why ``value`` cannot be stored in ``column`` the same way on every database, or None."""
    kind = column.type
    if value is None:
        return None
    if isinstance(kind, String) and isinstance(value, str):
        if control_characters(value, multiline=kind.length is None):
            return _("Remove the control characters (such as NUL) from this text.")
        if kind.length is not None and len(value) > kind.length:
            return _("At most %(num)s characters.", num=kind.length)
    elif (
        isinstance(kind, Numeric)
        and not isinstance(kind, Float)
        and isinstance(value, Decimal | int | float)
        and kind.precision
    ):
        try:
            rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-(kind.scale or 0)))
        except InvalidOperation:
            return _("This number is too large.")
        if not fits(rounded, kind.precision, kind.scale or 0):
            return _("This number is too large.")
    elif (
        isinstance(kind, Integer)
        and not isinstance(kind, BigInteger)
        and isinstance(value, int)
        and not -MAX_ID - 1 <= value <= MAX_ID
    ):
        return _("This number is too large.")
    return None


def _check_before_flush(session: Session, flush_context, instances) -> None:
    """Refuse (ValidationError keyed by column) values the columns cannot hold; nothing of the
    flush reaches the database."""
    errors = {}
    for row in (*session.new, *session.dirty):
        state = inspect(row)
        for attr in state.mapper.column_attrs:
            if len(attr.columns) != 1 or not hasattr(attr.columns[0], "table"):
                continue
            if state.persistent and not state.attrs[attr.key].history.added:
                continue
            value = state.dict.get(attr.key)
            problem = _problem(attr.columns[0], value)
            if problem:
                errors.setdefault(attr.key, problem)
    if errors:
        raise ValidationError(errors)


def init_inputs(app: Flask, session) -> None:
    """Install the bounded ``int`` converter (before any blueprint adds its routes) and the
    check before each flush on the (scoped) session; idempotent."""
    app.url_map.converters["int"] = BoundedIntConverter
    if not event.contains(session, "before_flush", _check_before_flush):
        event.listen(session, "before_flush", _check_before_flush)
