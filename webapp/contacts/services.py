"""Contacts: list, the contact's page with their deals, create and edit.

Like accounts, contacts are shared: everyone sees them and may add one; admins, managers and
the contact's owner edit them (anyone while unowned). Deals shown are limited by
``permissions.visible_opportunities``. Every change calls the ``contact_saved`` hook.
"""

from sqlalchemy import and_, func, or_, select, union
from sqlalchemy.orm import joinedload

from .. import permissions
from ..accounts import concurrency
from ..accounts.fields import apply, differences, parse_contact
from ..accounts.services import PER_PAGE, find_by_name, like_pattern
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import Account, Contact, Opportunity, OpportunityContact, User
from ..opportunities.fields import row, text
from ..plugins import registry
from ..transactions import transactional

DEALS_SHOWN = 100


def list_contacts(
    user: User, text_: str = "", page: int = 1, per_page: int = PER_PAGE, account_id=None
):
    """One page of contacts matching ``text_`` (name, email, title or account name)."""
    query = (
        select(Contact)
        .outerjoin(Account, Contact.account_id == Account.id)
        .options(joinedload(Contact.account), joinedload(Contact.owner).lazyload("*"))
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
    return db.paginate(
        query.order_by(Contact.last_name, Contact.first_name, Contact.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def get_contact(user: User, contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.deleted_at is not None:
        raise NotFound("This contact does not exist or was deleted.")
    return contact


def require_edit_contact(user: User, contact) -> None:
    message = "You may not edit this contact: it belongs to someone else."
    permissions.require(can_edit_contact(user, contact), message)


def can_edit_contact(user: User, contact: Contact) -> bool:
    return (
        permissions.is_admin(user) or user.role == "manager" or contact.owner_id in (None, user.id)
    )


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


def _account_choice(data: dict) -> tuple[Account | None, str | None]:
    """The picked account (unknown id -> ValidationError) and the typed account name."""
    account = row("account_id", Account, data.get("account_id"), "account")
    return account, text("account_name", data.get("account_name"))


def resolve_account(user: User, account: Account | None, name: str | None) -> Account | None:
    """The picked account, else the live account named exactly ``name``, else a new one."""
    if account is not None or not name:
        return account
    found = find_by_name(name)
    if found is not None:
        return found
    account = Account(name=name, owner=user)
    db.session.add(account)
    return account


def _values(user: User, data: dict) -> dict:
    """Parsed contact fields plus the account (every error of the form at once; nothing is
    added to the session unless all is valid)."""
    errors, values, choice = {}, {}, None
    try:
        values = parse_contact(data)
    except ValidationError as exc:
        errors.update(exc.errors)
    if "account_id" in data or "account_name" in data:
        try:
            choice = _account_choice(data)
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    if choice is not None:
        values["account"] = resolve_account(user, *choice)
    return values


@transactional
def create_contact(user: User, data: dict) -> Contact:
    """A new contact (and its new account when only a name was given); owner: the creator
    unless given."""
    values = _values(user, data)
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
        "Someone else changed this contact meanwhile. Nothing was saved; "
        "your input is kept below next to the current values.",
    )
    apply(contact, changes)
    db.session.flush()
    registry().pm.hook.contact_saved(contact=contact, changes=changes, user=user)
    return changes
