"""What to export, read from a request's query string or the command line: the rows (scope),
the columns, the format and the CSV separator. Bad values are refused with a message
(ValidationError), never guessed at.

Scopes: ``filter`` (default) the rows the list shows for its own filter parameters,
``selected`` the ``ids`` among the rows the user may see, ``all`` every row the user may see.
Columns: ``all`` every field of the registry (custom fields included), or ``visible`` the
list's columns named by ``cols`` (field keys; unknown keys ignored; the list's default
columns when none is given).
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import permissions
from ..accounts.listing import ACCOUNTS
from ..contacts.listing import CONTACTS
from ..datafields import DataField, fields_for
from ..errors import ValidationError
from ..inputs import MAX_ID, integer
from ..leads.listing import LEADS
from ..models import Opportunity, User
from ..opportunities.listing import matching_deals
from .records import MODELS, Selection

FORMATS = ("csv", "xlsx")
SEPARATORS = {",": ".", ";": ","}  # separator -> decimal mark (Italian Excel: 1500,50)
SCOPES = ("filter", "selected", "all")
COLUMNS = ("all", "visible")
RECORD_LISTS = {"account": ACCOUNTS, "contact": CONTACTS, "lead": LEADS}
MAX_SELECTED = 5000
MAX_COLS_TEXT = 10_000
# The list's columns when the request names none (the lists of issue 12 send ``cols``).
DEFAULT_VISIBLE = {
    "opportunity": ("name", "account", "stage", "owner", "amount", "close_date"),
    "account": ("name", "industry", "city", "owner"),
    "contact": ("first_name", "last_name", "account", "email", "phone"),
    "lead": ("first_name", "last_name", "company", "email", "status", "owner"),
}
FILE_NAMES = {"opportunity": "deals", "account": "accounts", "contact": "contacts", "lead": "leads"}
# The sheet of an XLSX export, named in the exporter's language.
SHEET_NAMES = {
    "opportunity": _l("Deals"),
    "account": _l("Accounts"),
    "contact": _l("Contacts"),
    "lead": _l("Leads"),
}


@dataclass(frozen=True)
class ExportChoice:
    entity: str
    fields: list[DataField]
    selection: Selection
    format: str = "csv"
    separator: str = ","

    @property
    def decimal_mark(self) -> str:
        return SEPARATORS[self.separator]


def _word(given, key: str, allowed, default: str, message: str) -> str:
    given = given or default
    if given not in allowed:
        raise ValidationError({key: message})
    return given


def selected_ids(args) -> list[int]:
    """The ``ids`` of the request: ``ids=1,2,3`` and/or repeated ``ids``; refused when one is
    not an id or when there are more than MAX_SELECTED."""
    parts = [p.strip() for raw in args.getlist("ids") for p in str(raw).split(",")]
    parts = [p for p in parts if p]
    if len(parts) > MAX_SELECTED:
        raise ValidationError(
            {
                "ids": _(
                    "At most %(num)s selected rows: export the filter instead.", num=MAX_SELECTED
                )
            }
        )
    ids = [integer(p, minimum=1, maximum=MAX_ID) for p in parts]
    if None in ids:
        raise ValidationError({"ids": _("The selected rows are not valid record ids.")})
    if not ids:
        raise ValidationError({"ids": _("Select the rows to export first.")})
    return ids


def _visible(user: User, entity: str):
    """The records of ``entity`` the user may see, not in the trash (a select)."""
    if entity == "opportunity":
        return select(Opportunity).where(
            Opportunity.deleted_at.is_(None), permissions.visible_opportunities(user)
        )
    return RECORD_LISTS[entity].matching(user, {"status": "all"} if entity == "lead" else {})


def _filtered(user: User, entity: str, args):
    """The records the entity's list shows for its filter parameters in ``args``."""
    if entity == "opportunity":
        return matching_deals(user, args)
    return RECORD_LISTS[entity].matching(user, args)


def selection(user: User, entity: str, scope: str, args) -> Selection:
    if scope == "all":
        return Selection(entity, _visible(user, entity))
    if scope == "selected":
        model = MODELS[entity]
        return Selection(entity, _visible(user, entity).where(model.id.in_(selected_ids(args))))
    return Selection(entity, _filtered(user, entity, args))


def columns(entity: str, mode: str, cols: str | None) -> list[DataField]:
    """Every field of the entity, or the ones ``cols`` names (comma-separated keys) in that
    order, unknown keys ignored."""
    fields = fields_for(entity)
    if mode == "all":
        return fields
    by_key = {f.key: f for f in fields}
    keys = str(cols or "")[:MAX_COLS_TEXT].split(",")  # only exact keys count
    chosen = list(dict.fromkeys(k.strip() for k in keys if k.strip() in by_key))
    return [by_key[k] for k in chosen or DEFAULT_VISIBLE[entity]]


def from_args(user: User, entity: str, args) -> ExportChoice:
    """The export that the query string ``args`` asks for (ValidationError when it is bad)."""
    fmt = _word(args.get("format"), "format", FORMATS, "csv", _("Choose CSV or XLSX."))
    sep = _word(
        args.get("sep"), "sep", SEPARATORS, ",", _("The separator is a comma or a semicolon.")
    )
    scope = _word(
        args.get("scope"),
        "scope",
        SCOPES,
        "filter",
        _("Export the selected rows, the filter or all."),
    )
    mode = _word(
        args.get("columns"),
        "columns",
        COLUMNS,
        "visible",
        _("Export the visible columns or all fields."),
    )
    fields = columns(entity, mode, args.get("cols"))
    return ExportChoice(entity, fields, selection(user, entity, scope, args), fmt, sep)


def everything(user: User, entity: str, fmt: str, separator: str = ",") -> ExportChoice:
    """Every field of every record ``user`` may see (the command line's export)."""
    return ExportChoice(
        entity, fields_for(entity), selection(user, entity, "all", {}), fmt, separator
    )
