"""The move dialog's answers to a stage gate: what it can ask for, and saving what was typed.

A gate names opportunity fields (``amount``, ``source_id``...) or ``contact_role:<role>``
(a contact of the deal with that role). The dialog offers an input for each; saving goes
through the opportunity services (permission, validation, timeline) before the move.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.matching import CONFIRM, choose_account, new_account
from ..errors import ValidationError
from ..extensions import db
from ..leads.services import sources
from ..locale import current_locale
from ..models import CONTACT_ROLES, Contact, Opportunity, User
from ..opportunities.relations import ROLE_LABELS, add_contact, set_contact_role
from ..opportunities.services import update_opportunity
from ..parsing import editable

ROLE_PREFIX = "contact_role:"
CONTACTS_SHOWN = 200

# Opportunity field -> (label, input kind: money, whole, date, text, source, account...).
FIELDS = {
    "amount": (_l("Amount"), "money"),
    "close_date": (_l("Expected close date"), "date"),
    "probability": (_l("Probability (%)"), "whole"),
    "objective": (_l("Objective"), "money"),
    "revenue_low": (_l("Revenue estimate, low"), "money"),
    "revenue_high": (_l("Revenue estimate, high"), "money"),
    "contract_start": (_l("Contract start"), "date"),
    "contract_months": (_l("Contract length (months)"), "whole"),
    "description": (_l("Description"), "text"),
    "source_id": (_l("Source"), "source"),
    "account_id": (_l("Account"), "account"),
    "primary_contact_id": (_l("Primary contact"), "contact"),
}


def role_of(name: str) -> str | None:
    """The contact role a ``contact_role:<role>`` input asks for."""
    role = name[len(ROLE_PREFIX) :] if name.startswith(ROLE_PREFIX) else None
    return role if role in CONTACT_ROLES else None


def spec(name: str) -> tuple[str, str] | None:
    """(label, kind) of a dialog input, None for a name the dialog cannot ask for."""
    if name in FIELDS:
        return FIELDS[name]
    role = role_of(name)
    if not role:
        return None
    return (_("%(role)s, from the account's contacts", role=ROLE_LABELS[role]), "role")


def known(names) -> list[str]:
    return [n for n in dict.fromkeys(names) if spec(n)]


def choices(opp: Opportunity, names: list[str]) -> dict:
    """The picklists the inputs need: sources, and the contacts of the deal's account."""
    kinds = {spec(n)[1] for n in names}
    found = {"sources": [], "contacts": []}
    if "source" in kinds:
        found["sources"] = sources()
    if kinds & {"contact", "role"} and opp.account_id:
        found["contacts"] = list(
            db.session.scalars(
                select(Contact)
                .where(Contact.account_id == opp.account_id, Contact.deleted_at.is_(None))
                .order_by(Contact.last_name, Contact.first_name)
                .limit(CONTACTS_SHOWN)
            )
        )
    return found


def value(opp: Opportunity, name: str) -> str:
    """The stored value an input starts with."""
    role = role_of(name)
    if role:
        return ""
    current = getattr(opp, name, None)
    if current is None:
        return ""
    if FIELDS[name][1] == "money":
        return editable(current, current_locale())  # read back unchanged: 1500,50 in Italian
    return current.isoformat() if hasattr(current, "isoformat") else str(current)


def fill(user: User, opp: Opportunity, form, names: list[str]) -> None:
    """Apply the dialog's answers within the move's transaction (the caller checked the
    version): the fields in one update (all errors at once), then each role to the chosen
    contact, added to the deal when not on it yet."""
    data = {n: form.get(n, "") for n in names if n in FIELDS}
    roles = {role_of(n): form.get(n, "") for n in names if role_of(n)}
    errors = {
        f"{ROLE_PREFIX}{role}": _(
            "Choose a contact who is %(role)s.", role=ROLE_LABELS[role].lower()
        )
        for role, contact_id in roles.items()
        if not contact_id
    }
    account = None
    if "account_id" in data:  # picked or typed: accounts.matching, written after all checks
        picker = {key: form.get(key, "") for key in ("account_id", "account_name", CONFIRM)}
        try:
            account = choose_account(picker, field="account_id", required=True)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if account is not None:
        data["account_id"] = new_account(account, user) if isinstance(account, str) else account
    if data:
        update_opportunity(user, opp, data)
    for role, contact_id in roles.items():
        link = next((ln for ln in opp.contact_links if str(ln.contact_id) == contact_id), None)
        if link is None:
            add_contact(user, opp, contact_id, role)
        elif link.role != role:
            set_contact_role(user, opp, link.id, role)
