"""Leads: unqualified prospects; list, create and convert into account + contact + deal.

A user sees the leads they own, the leads of their business lines and unassigned ones
(admins see all); admins, the owner and the business line's managers may convert a lead
(anyone who sees it while it has no owner).
"""

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, true

from .. import permissions
from ..accounts import concurrency
from ..accounts.fields import apply, differences, email, multiline, optional, owner, parse_contact
from ..accounts.matching import choose_account, exact_matches, new_account
from ..errors import DomainError, NotFound, ValidationError
from ..extensions import db
from ..models import (
    LEAD_STATUSES,
    Account,
    BusinessLine,
    Contact,
    Lead,
    Opportunity,
    Source,
    User,
)
from ..models._base import utcnow
from ..opportunities import fields
from ..opportunities.services import create_opportunity
from ..timeline.services import record
from ..transactions import transactional

OPEN_STATUSES = ("new", "contacted", "qualified")


def visible_leads(user: User):
    """A WHERE clause limiting a query of Lead to what ``user`` may see."""
    if permissions.is_admin(user):
        return true()
    return or_(
        Lead.owner_id == user.id,
        Lead.business_line_id.is_(None),
        Lead.business_line_id.in_(user.business_line_ids or [0]),
    )


def can_view_lead(user: User, lead: Lead) -> bool:
    return (
        permissions.is_admin(user)
        or lead.owner_id == user.id
        or lead.business_line_id is None
        or lead.business_line_id in user.business_line_ids
    )


def can_convert_lead(user: User, lead: Lead) -> bool:
    return permissions.can_write(user) and (
        permissions.is_admin(user)
        or lead.owner_id == user.id
        or (lead.business_line_id is not None and permissions.manages(user, lead.business_line_id))
        or (lead.owner_id is None and can_view_lead(user, lead))
    )


def convert_refusal(user: User, lead: Lead) -> str | None:
    """Why ``user`` may not convert ``lead`` (None when they may), in words they can act on."""
    if can_convert_lead(user, lead):
        return None
    if lead.owner is None:
        return _(
            "Only its owner, a manager of this lead's business line or an administrator can "
            "convert this lead. Ask one of them, or to be made its owner."
        )
    return _(
        "Only %(owner)s, a manager of this lead's business line or an administrator can "
        "convert this lead. Ask one of them, or to be made its owner.",
        owner=lead.owner.name,
    )


def require_convert(user: User, lead: Lead) -> None:
    """403 with the reason when ``user`` may not convert ``lead``."""
    refusal = convert_refusal(user, lead)
    permissions.require(refusal is None, refusal or "")


def get_lead(user: User, lead_id: int) -> Lead:
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.deleted_at is not None:
        raise NotFound(_("This lead does not exist or was deleted."))
    permissions.require(can_view_lead(user, lead), _("You may not see this lead."))
    return lead


def sources() -> list[Source]:
    return list(db.session.scalars(select(Source).where(Source.active).order_by(Source.name)))


def business_lines(user: User) -> list[BusinessLine]:
    query = select(BusinessLine).order_by(BusinessLine.name)
    if not permissions.is_admin(user):
        query = query.where(BusinessLine.id.in_(user.business_line_ids or [0]))
    return list(db.session.scalars(query))


def _business_line(user: User, value) -> BusinessLine | None:
    line = fields.row("business_line_id", BusinessLine, value, "business line")
    if line is not None and not permissions.can_view_business_line(user, line.id):
        raise ValidationError({"business_line_id": _("You do not work in this business line.")})
    return line


LEAD_FIELDS: dict[str, Callable] = {
    "company": optional(200),
    "email": email,
    "phone": optional(60),
    "title": optional(120),
    "description": multiline(20000),
    "source_id": lambda k, v: fields.row(k, Source, v, "source"),
    "owner_id": owner,
}


def _lead_values(user: User, data: dict) -> dict:
    """Lead attributes from form-like ``data`` (every error at once): names, contact details,
    ``source_id``, ``owner_id`` and ``business_line_id`` (None when not given)."""
    errors, values = {}, {}
    try:
        values.update(parse_contact({k: data.get(k) for k in ("first_name", "last_name")}))
    except ValidationError as exc:
        errors.update(exc.errors)
    for key, parse in LEAD_FIELDS.items():
        try:
            values[key] = parse(key, data.get(key))
        except ValidationError as exc:
            errors.update(exc.errors)
    try:
        values["business_line_id"] = _business_line(user, data.get("business_line_id"))
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    for key in ("source_id", "owner_id", "business_line_id"):
        values[key] = values[key].id if values[key] is not None else None
    return values


@transactional
def create_lead(user: User, data: dict) -> Lead:
    """A new lead (status "new"); the creator owns it unless an owner is given; the business
    line defaults to the creator's first one."""
    permissions.require_write(user)
    values = _lead_values(user, data)
    if values["business_line_id"] is None:
        lines = business_lines(user)
        values["business_line_id"] = lines[0].id if lines else None
    values["owner_id"] = values["owner_id"] or user.id
    lead = Lead(**values, status="new")
    db.session.add(lead)
    return lead


def require_change_lead(user: User, lead: Lead) -> None:
    """Who converts a lead may also edit it, until it is converted (then it is history)."""
    permissions.require(can_convert_lead(user, lead), _("You may not change this lead."))
    if lead.status == "converted":
        raise DomainError(
            _("This lead was converted: it is kept as it was. Edit its account, contact or deal.")
        )


@transactional
def update_lead(user: User, lead: Lead, data: dict, updated_at) -> dict:
    """Apply ``data``; ConflictError when the lead changed since ``updated_at``. An empty
    business line keeps the current one. Returns {field: (old, new)}."""
    require_change_lead(user, lead)
    values = _lead_values(user, data)
    if values["business_line_id"] is None:
        values.pop("business_line_id")
    changes = differences(lead, values)
    if not changes:
        return changes
    concurrency.claim(
        lead,
        updated_at,
        _(
            "Someone else changed this lead meanwhile. Nothing was saved; "
            "your input is kept below next to the current values."
        ),
    )
    apply(lead, changes)
    return changes


@transactional
def set_status(user: User, lead: Lead, status: str) -> None:
    """Move an unconverted lead between new, contacted, qualified and disqualified
    (conversion is its own step)."""
    require_change_lead(user, lead)
    if status not in LEAD_STATUSES or status == "converted":
        raise ValidationError({"status": _("Unknown lead status.")})
    lead.status = status


def matching_account(lead: Lead) -> Account | None:
    """The one live account named like the lead's company (what conversion links to); None
    when there is none or several (the user then picks)."""
    same = exact_matches(lead.company, limit=2) if lead.company else []
    return same[0] if len(same) == 1 else None


def matching_contact(lead: Lead) -> Contact | None:
    """The first live contact with the lead's email, ignoring case."""
    if not lead.email:
        return None
    return db.session.scalars(
        select(Contact)
        .where(Contact.deleted_at.is_(None), func.lower(Contact.email) == lead.email.lower())
        .order_by(Contact.id)
        .limit(1)
    ).first()


def conversion_links(lead: Lead) -> dict:
    """What a converted lead became: ``account``, ``contact`` and ``deal`` (or None)."""
    return {
        "account": db.session.get(Account, lead.account_id) if lead.account_id else None,
        "contact": db.session.get(Contact, lead.contact_id) if lead.contact_id else None,
        "deal": db.session.get(Opportunity, lead.opportunity_id) if lead.opportunity_id else None,
    }


def _check_conversion(user: User, lead: Lead, data: dict) -> dict:
    """Every error of the conversion form at once, before anything is written."""
    require_convert(user, lead)
    if lead.status == "converted":
        raise DomainError(_("This lead was already converted."))
    errors = {}
    try:
        fields.parse({key: data.get(key) for key in ("name", "amount", "close_date")})
    except ValidationError as exc:
        errors.update(exc.errors)
    account = None
    try:  # picked, or typed: accounts.matching (a new name is created in convert_lead)
        account = choose_account(data, required=True)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return {"account": account}


@transactional
def convert_lead(user: User, lead: Lead, data: dict) -> Opportunity:
    """Convert ``lead`` in one transaction: link or create the account (the one picked, else
    the one with exactly that name, else a new one), link or create the contact (matched by
    email), create the deal through ``create_opportunity`` (timeline and hooks run), mark
    the lead converted with links to all three, and note on the deal's timeline that it
    came from the lead. On any error nothing is written."""
    checked = _check_conversion(user, lead, data)
    account = checked["account"]
    if isinstance(account, str):
        account = new_account(account, lead.owner or user)
    contact = matching_contact(lead)
    if contact is None:
        contact = Contact(
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            title=lead.title,
            notes=lead.description,
            owner_id=lead.owner_id or user.id,
        )
        db.session.add(contact)
    contact.account = contact.account or account
    db.session.flush()
    lead.status, lead.converted_at = "converted", utcnow()
    lead.account_id, lead.contact_id = account.id, contact.id
    deal_data = {
        "name": data.get("name"),
        "amount": data.get("amount"),
        "close_date": data.get("close_date"),
        "stage_id": data.get("stage_id"),
        "account_id": account.id,
        "primary_contact_id": contact.id,
        "source_id": lead.source_id,
        "description": lead.description,
    }
    source = db.session.get(Source, lead.source_id) if lead.source_id else None
    deal = create_opportunity(user, deal_data)
    _link(lead, deal, source, user)
    return deal


def _link(lead: Lead, deal: Opportunity, source: Source | None, user: User) -> None:
    lead.opportunity_id = deal.id
    record(
        deal,
        user,
        "converted",
        message=f"Converted from lead {lead.full_name}"
        + (f" ({lead.company})" if lead.company else "")
        + (f", source: {source.name}" if source else ""),
        new=lead.description,
        data={
            "lead_id": lead.id,
            "source": source.name if source else None,
            "description": lead.description,
            "lead_created_at": lead.created_at.isoformat() if lead.created_at else None,
        },
    )
