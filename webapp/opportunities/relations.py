"""People and companies around a deal: contacts with their role (the buying committee),
partner and competitor accounts."""

from flask_babel import gettext as _

from .. import permissions
from ..accounts.matching import resolve_account
from ..errors import NotFound, ValidationError
from ..locale import N_, translate
from ..models import (
    ACCOUNT_ROLES,
    CONTACT_ROLES,
    KEY_CONTACT_ROLES,
    Contact,
    Opportunity,
    OpportunityAccount,
    OpportunityContact,
    User,
)
from ..timeline.services import record
from ..transactions import transactional
from . import fields

ROLE_LABELS = {  # English: stored in timeline entries, translated when shown
    "decision_maker": N_("Decision maker"),
    "technical": N_("Technical"),
    "finance": N_("Finance"),
    "influencer": N_("Influencer"),
    "user": N_("User"),
    "other": N_("Other"),
}


def role_names() -> dict[str, str]:
    """Each contact role's label in the user's language."""
    return {role: translate(label) for role, label in ROLE_LABELS.items()}


def missing_key_roles(opp: Opportunity) -> list[str]:
    """Key roles of the buying committee nobody holds yet (contacts in the trash hold none)."""
    held = {link.role for link in opp.contact_links if link.contact.deleted_at is None}
    return [role for role in KEY_CONTACT_ROLES if role not in held]


def _role(value) -> str:
    if value not in CONTACT_ROLES:
        raise ValidationError({"role": _("Choose a role.")})
    return value


@transactional
def add_contact(user: User, opp: Opportunity, contact_id, role) -> OpportunityContact:
    permissions.require_edit(user, opp)
    errors = {}
    contact = None
    try:
        contact = fields.row("contact_id", Contact, contact_id, "contact")
        if contact is None:
            errors["contact_id"] = _("Choose a contact.")
    except ValidationError as exc:
        errors.update(exc.errors)
    if role not in CONTACT_ROLES:
        errors["role"] = _("Choose a role.")
    if contact is not None and any(link.contact_id == contact.id for link in opp.contact_links):
        errors["contact_id"] = _("%(name)s is already on this deal.", name=contact.full_name)
    if errors:
        raise ValidationError(errors)
    link = OpportunityContact(contact=contact, role=role)
    opp.contact_links.append(link)
    record(opp, user, "contact", message=f"Added {contact.full_name} ({ROLE_LABELS[role]})")
    return link


NEW_CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "title", "contact_confirm_new")


@transactional
def create_contact(user: User, opp: Opportunity, data: dict) -> OpportunityContact:
    """A new contact of the deal's account, put on the deal in the role ``new_role`` (one
    intent: both or nothing; every error of the form at once)."""
    from ..contacts.services import create_contact as create_account_contact

    permissions.require_edit(user, opp)
    if opp.account_id is None:
        raise ValidationError({"last_name": _("Set the deal's account first.")})
    role = data.get("new_role")
    errors = {} if role in CONTACT_ROLES else {"new_role": _("Choose a role.")}
    values = {key: data.get(key) for key in NEW_CONTACT_FIELDS if data.get(key) is not None}
    try:
        contact = create_account_contact(user, {**values, "account_id": str(opp.account_id)})
    except ValidationError as exc:
        raise ValidationError({**exc.errors, **errors}) from None
    if errors:
        raise ValidationError(errors)
    return add_contact(user, opp, contact.id, role)


def _contact_link(opp: Opportunity, link_id) -> OpportunityContact:
    link = next((ln for ln in opp.contact_links if ln.id == int(link_id)), None)
    if link is None:
        raise NotFound(_("This contact is not on the deal."))
    return link


@transactional
def set_contact_role(user: User, opp: Opportunity, link_id, role) -> OpportunityContact:
    permissions.require_edit(user, opp)
    link = _contact_link(opp, link_id)
    role = _role(role)
    if role != link.role:
        record(
            opp,
            user,
            "contact",
            field="role",
            old=ROLE_LABELS[link.role],
            new=ROLE_LABELS[role],
            message=f"Role of {link.contact.full_name}",
        )
        link.role = role
    return link


@transactional
def remove_contact(user: User, opp: Opportunity, link_id) -> None:
    permissions.require_edit(user, opp)
    link = _contact_link(opp, link_id)
    opp.contact_links.remove(link)
    record(opp, user, "contact", message=f"Removed {link.contact.full_name}")


@transactional
def add_account(user: User, opp: Opportunity, role: str, data: dict) -> OpportunityAccount:
    """Link a partner or competitor: the account picked (``account_id``) or typed
    (``account_name``), matched or created through ``accounts.matching``."""
    permissions.require_edit(user, opp)
    if role not in ACCOUNT_ROLES:
        raise NotFound(_("Unknown kind of account link."))
    note = fields.text("note", data.get("note"), max_len=255)
    account = resolve_account(user, data, field="account_id")
    if account is None:
        raise ValidationError({"account_id": _("Choose an account or type a new name.")})
    if account.id is not None and account.id == opp.account_id:
        raise ValidationError({"account_id": _("That is the deal's own account.")})
    elif any(ln.account_id == account.id and ln.role == role for ln in opp.account_links):
        already = (
            _("%(account)s is already a partner.", account=account.name)
            if role == "partner"
            else _("%(account)s is already a competitor.", account=account.name)
        )
        raise ValidationError({"account_id": already})
    link = OpportunityAccount(account=account, role=role, note=note)
    opp.account_links.append(link)
    record(opp, user, role, message=f"Added {role} {account.name}", new=account.name)
    return link


@transactional
def remove_account(user: User, opp: Opportunity, link_id) -> None:
    permissions.require_edit(user, opp)
    link = next((ln for ln in opp.account_links if ln.id == int(link_id)), None)
    if link is None:
        raise NotFound(_("This account is not linked to the deal."))
    opp.account_links.remove(link)
    record(opp, user, link.role, message=f"Removed {link.role} {link.account.name}")
