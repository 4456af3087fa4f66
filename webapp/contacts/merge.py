"""Merging two contacts that are the same person: one survives, the other goes to the trash.

Like accounts (``accounts.merge``): the user picks the survivor and, field by field, whose
value it keeps; the deals where the merged contact is the primary contact or has a role, its
activities and leads move to the survivor (a deal that has both keeps one role link); each
moved deal's timeline says so; the merged contact is trashed pointing to the survivor.
"""

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..accounts.fields import parse_contact
from ..accounts.matching import picked_account
from ..accounts.merge import MERGED, MergeCounts, check_pair, taken_values
from ..extensions import db
from ..models import Activity, Contact, Lead, Opportunity, OpportunityContact, User
from ..models._base import utcnow
from ..plugins import registry
from ..timeline.services import record
from ..transactions import transactional

CONTACT_FIELDS = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "account_id": _l("Account"),
    "title": _l("Job title"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "mobile": _l("Mobile"),
    "notes": _l("Notes"),
    "owner_id": _l("Owner"),
}


def _parse(data: dict) -> dict:
    """Contact attributes, the account included (the merged contact's own, still live)."""
    account_id = data.pop("account_id", None)
    values = parse_contact(data)
    if account_id is not None:
        values["account"] = picked_account(account_id)
    return values


@transactional
def merge_contacts(
    user: User, survivor: Contact, merged: Contact, take: Iterable[str] = ()
) -> MergeCounts:
    """Merge ``merged`` into ``survivor``, which keeps its own values except the fields in
    ``take``, taken from ``merged``. Returns what moved."""
    check_pair(
        user,
        survivor,
        merged,
        missing=_("This contact does not exist or was deleted."),
        same=_("Pick another contact to merge with."),
    )
    values = taken_values(merged, take, CONTACT_FIELDS, _parse, "last_name")
    changes = {}
    for attribute, value in values.items():
        if getattr(survivor, attribute) != value:
            changes[attribute] = (getattr(survivor, attribute), value)
            setattr(survivor, attribute, value)
    old, new = merged.full_name, survivor.full_name
    counts = MergeCounts()
    for deal in db.session.scalars(
        select(Opportunity).where(Opportunity.primary_contact_id == merged.id)
    ).all():
        deal.primary_contact = survivor
        record(deal, user, "merged", field="primary_contact", old=old, new=new, message=MERGED)
        counts.deals += 1
    counts.links = _move_roles(user, survivor, merged, old, new)
    now = utcnow()
    counts.activities = db.session.execute(
        update(Activity)
        .where(Activity.contact_id == merged.id)
        .values(contact_id=survivor.id, updated_at=now)
    ).rowcount
    counts.leads = db.session.execute(
        update(Lead).where(Lead.contact_id == merged.id).values(contact_id=survivor.id)
    ).rowcount
    merged.deleted_at, merged.deleted_by_id, merged.merged_into_id = now, user.id, survivor.id
    survivor.updated_at = now
    db.session.flush()
    registry().pm.hook.contact_saved(contact=survivor, changes=changes, user=user)
    return counts


def _move_roles(user: User, survivor: Contact, merged: Contact, old: str, new: str) -> int:
    """Role links move to the survivor; a deal where both take part keeps the survivor's link
    (with the merged contact's role when the survivor's was only "other")."""
    links = list(
        db.session.scalars(
            select(OpportunityContact).where(OpportunityContact.contact_id == merged.id)
        )
    )
    if not links:
        return 0
    existing = {
        link.opportunity_id: link
        for link in db.session.scalars(
            select(OpportunityContact).where(
                OpportunityContact.contact_id == survivor.id,
                OpportunityContact.opportunity_id.in_([link.opportunity_id for link in links]),
            )
        )
    }
    for link in links:
        deal, kept = link.opportunity, existing.get(link.opportunity_id)
        if kept is None:
            link.contact = survivor
        else:
            if kept.role == "other":
                kept.role = link.role
            db.session.delete(link)  # the same person twice on the deal: one link stays
        record(deal, user, "merged", field="contact", old=old, new=new, message=MERGED)
    return len(links)


def merged_contacts(contact: Contact) -> list[Contact]:
    """The contacts merged into ``contact`` (in the trash), newest first."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.merged_into_id == contact.id)
            .order_by(Contact.deleted_at.desc(), Contact.id.desc())
            .limit(50)
        )
    )
