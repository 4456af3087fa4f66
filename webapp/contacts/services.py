"""Contacts: list, the contact's page with their deals, create and edit.

Like accounts, contacts are shared: everyone sees them and may add one; admins, managers and
the contact's owner edit them (anyone while unowned). Deals shown are limited by
``permissions.visible_opportunities``. Every change calls the ``contact_saved`` hook.
"""

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select, union
from sqlalchemy.orm import joinedload

from .. import permissions
from ..accounts import concurrency
from ..accounts.fields import apply, differences, parse_contact
from ..accounts.fields import email as parse_email
from ..accounts.matching import choose_account, exact_matches, new_account, picked_account
from ..accounts.services import PER_PAGE, like_pattern
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import Account, Contact, Opportunity, OpportunityContact, User
from ..models.names import contact_key
from ..plugins import registry
from ..transactions import transactional

DEALS_SHOWN = 100
CONFIRM = "contact_confirm_new"


def list_contacts(
    user: User, text_: str = "", page: int = 1, per_page: int = PER_PAGE, account_id=None
):
    """One page of contacts matching ``text_`` (name, email, title or account name)."""
    query = matching_contacts(user, text_).options(
        joinedload(Contact.account), joinedload(Contact.owner).lazyload("*")
    )
    return db.paginate(
        query.order_by(Contact.last_name, Contact.first_name, Contact.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def matching_contacts(user: User, text_: str = "") -> Select:
    """The contacts the list shows for the search ``text_``, not in the trash, unordered:
    the list's page and the export start from it."""
    query = (
        select(Contact)
        .outerjoin(Account, Contact.account_id == Account.id)
        .where(Contact.deleted_at.is_(None))
    )
    words = (text_ or "").split()
    for word in words:  # every word must match somewhere: "anna rossi" finds Anna Rossi
        pattern = like_pattern(word)
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        Contact.first_name,
                        Contact.last_name,
                        Contact.email,
                        Contact.title,
                        Account.name,
                    )
                )
            )
        )
    return query


def get_contact(user: User, contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise NotFound(_("This contact does not exist or was deleted."))
    return contact


def require_edit_contact(user: User, contact) -> None:
    message = _("You may not edit this contact: it belongs to someone else.")
    permissions.require(can_edit_contact(user, contact), message)


def can_edit_contact(user: User, contact: Contact) -> bool:
    return permissions.can_edit_record(user, contact)


def contact_deals(user: User, contact: Contact) -> list[tuple[Opportunity, str | None]]:
    """(deal, role) for the deals the user may see where the contact is the primary contact
    or takes part with a role; open first, then by expected close. One query."""
    link = and_(
        OpportunityContact.opportunity_id == Opportunity.id,
        OpportunityContact.contact_id == contact.id,
    )
    query = (
        select(Opportunity, OpportunityContact.role)
        .outerjoin(OpportunityContact, link)
        .options(
            joinedload(Opportunity.stage),
            joinedload(Opportunity.owner).lazyload("*"),
            joinedload(Opportunity.account),
        )
        .where(
            Opportunity.id.in_(
                union(
                    select(Opportunity.id).where(Opportunity.primary_contact_id == contact.id),
                    select(OpportunityContact.opportunity_id).where(
                        OpportunityContact.contact_id == contact.id
                    ),
                )
            ),
            Opportunity.deleted_at.is_(None),
            permissions.visible_opportunities(user),
        )
        .order_by(
            (Opportunity.status != "open"),
            Opportunity.close_date.is_(None),
            Opportunity.close_date,
            Opportunity.id,
        )
        .limit(DEALS_SHOWN)
    )
    return [(opp, role) for opp, role in db.session.execute(query)]


def likely_duplicates(data: dict, limit: int = 6) -> list[Contact]:
    """Live contacts that may be the person a contact form describes: the same full name (as
    ``names.contact_key`` compares) in the same account, or the same email. Two index reads."""
    key = contact_key(data.get("first_name"), data.get("last_name"))
    try:
        account = picked_account(data.get("account_id"))
    except ValidationError:
        account = None
    if account is None and data.get("account_name"):
        same = exact_matches(data["account_name"], limit=2)
        account = same[0] if len(same) == 1 else None
    try:
        address = parse_email("email", data.get("email"))
    except ValidationError:
        address = None
    found = []
    if account is not None and key:
        found += db.session.scalars(
            select(Contact)
            .where(Contact.account_id == account.id, Contact.name_key == key)
            .where(Contact.deleted_at.is_(None))
            .order_by(Contact.id)
            .limit(limit)
        )
    if address:
        found += db.session.scalars(
            select(Contact)
            .where(Contact.email == address, Contact.deleted_at.is_(None))
            .order_by(Contact.id)
            .limit(limit)
        )
    return list(dict.fromkeys(found))[:limit]


def _values(user: User, data: dict, *, new: bool = False) -> dict:
    """Parsed contact fields plus the account, picked or typed (``accounts.matching``; every
    error of the form at once; nothing is added to the session unless all is valid). A
    ``new`` contact like an existing one (``likely_duplicates``) needs ``contact_confirm_new``."""
    errors, values, choice = {}, {}, None
    try:
        values = parse_contact(data)
    except ValidationError as exc:
        errors.update(exc.errors)
    has_account = "account_id" in data or "account_name" in data
    if has_account:
        try:
            choice = choose_account(data)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if new and not str(data.get(CONFIRM, "")).strip() and likely_duplicates(data):
        raise ValidationError(
            {
                "last_name": _(
                    "A contact with this name in this account, or with this email, "
                    "already exists: open it, or confirm that this is another person."
                )
            }
        )
    if has_account:
        values["account"] = new_account(choice, user) if isinstance(choice, str) else choice
    return values


@transactional
def create_contact(user: User, data: dict) -> Contact:
    """A new contact (and its new account when only a name was given); owner: the creator
    unless given."""
    permissions.require_write(user)
    values = _values(user, data, new=True)
    contact = Contact(**values)
    contact.owner = contact.owner or user
    db.session.add(contact)
    db.session.flush()
    registry().pm.hook.contact_saved(contact=contact, changes={}, user=user)
    return contact


@transactional
def update_contact(user: User, contact: Contact, data: dict, updated_at) -> dict:
    """Apply ``data``; ConflictError when the contact changed since ``updated_at``.
    Returns {field: (old, new)} and tells the plugins through ``contact_saved``."""
    require_edit_contact(user, contact)
    changes = differences(contact, _values(user, data))
    if not changes:
        return changes
    concurrency.claim(
        contact,
        updated_at,
        _(
            "Someone else changed this contact meanwhile. Nothing was saved; "
            "your input is kept below next to the current values."
        ),
    )
    apply(contact, changes)
    db.session.flush()
    registry().pm.hook.contact_saved(contact=contact, changes=changes, user=user)
    return changes


def merge_candidates(user: User, contact: Contact, text_: str = "", limit: int = 10) -> list:
    """Contacts to merge ``contact`` with: those matching ``text_``, else its likely duplicates
    (the same name in the same account, or the same email)."""
    if text_.strip():
        rows = list_contacts(user, text_, per_page=limit + 1).items
    else:
        same = and_(Contact.account_id == contact.account_id, Contact.name_key == contact.name_key)
        if contact.email:
            same = or_(same, Contact.email == contact.email)
        rows = db.session.scalars(
            select(Contact)
            .where(same, Contact.deleted_at.is_(None), Contact.id != contact.id)
            .order_by(Contact.id)
            .limit(limit)
        )
    return [row for row in rows if row.id != contact.id][:limit]
