"""Merging two accounts that are the same company: one survives, the other goes to the trash.

The user picks the surviving account and, field by field, whose value it keeps. Every deal
(its account, partner and competitor links), contact and lead of the merged account moves to
the survivor; each moved deal's timeline says so. The merged account is not deleted: it is
put in the trash (``deleted_at``) with ``merged_into_id`` pointing to the survivor, so links
to it still lead somewhere. One call, one transaction. Admins and managers only.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from .. import permissions
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import Account, Contact, Lead, Opportunity, OpportunityAccount, User
from ..models._base import utcnow
from ..models.names import name_key
from ..timeline.services import record
from ..transactions import transactional
from .fields import FIELD_NAMES, parse_account

MERGED = "Duplicate merged"  # the timeline message on each moved deal

# Form field -> label, in the order the comparison shows them.
ACCOUNT_FIELDS = {
    "name": _l("Name"),
    "industry": _l("Industry"),
    "website": _l("Website"),
    "phone": _l("Phone"),
    "email": _l("Email"),
    "address": _l("Address"),
    "city": _l("City"),
    "country": _l("Country"),
    "description": _l("Description"),
    "owner_id": _l("Owner"),
}


def can_merge(user: User) -> bool:
    """Admins and managers merge accounts and contacts."""
    return permissions.is_admin(user) or user.role == "manager"


def shown(row, field: str) -> str:
    """A field's value as the comparison shows it."""
    if field == "owner_id":
        return row.owner.name if row.owner else ""
    if field == "account_id":
        return row.account.name if row.account else ""
    value = getattr(row, field)
    return "" if value is None else str(value)


def comparison(first, second, fields: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(field, label, first's value, second's value) for every mergeable field."""
    return [
        (field, label, shown(first, field), shown(second, field)) for field, label in fields.items()
    ]


@dataclass
class MergeCounts:
    """How many rows the merge moved to the survivor."""

    deals: int = 0
    links: int = 0
    contacts: int = 0
    leads: int = 0
    activities: int = 0


def check_pair(user: User, survivor, merged, *, missing: str, same: str) -> None:
    """Permission, two different live records; raises (with the ``missing`` or ``same``
    message) before anything is written."""
    permissions.require(can_merge(user), _("Only administrators and managers may merge records."))
    for row in (survivor, merged):
        if row is None or row.deleted_at is not None:
            raise NotFound(missing)
    if survivor.id == merged.id:
        raise ValidationError({"other": same})


def taken_values(merged, take: Iterable[str], fields: dict, parse, required: str) -> dict:
    """{attribute: value} the survivor takes from the merged record, validated again by
    ``parse`` (which needs the ``required`` field)."""
    take = set(take)
    if take - set(fields):
        raise ValidationError({"take": _("Unknown field to merge.")})
    data = {field: _raw(merged, field) for field in (required, *take)}
    values = parse(data)
    return {attr: value for attr, value in values.items() if FIELD_NAMES.get(attr, attr) in take}


def _raw(row, field: str):
    value = getattr(row, field)
    return "" if value is None else value


@transactional
def merge_accounts(
    user: User, survivor: Account, merged: Account, take: Iterable[str] = ()
) -> MergeCounts:
    """Merge ``merged`` into ``survivor``, which keeps its own values except the fields in
    ``take`` (form field names), taken from ``merged``. Returns what moved."""
    check_pair(
        user,
        survivor,
        merged,
        missing=_("This account does not exist or was deleted."),
        same=_("Pick another account to merge with."),
    )
    values = taken_values(merged, take, ACCOUNT_FIELDS, parse_account, "name")
    if "name" in values:
        same = db.session.scalar(
            select(func.count(Account.id)).where(
                Account.name_key == name_key(values["name"]),
                Account.deleted_at.is_(None),
                Account.id.not_in((survivor.id, merged.id)),
            )
        )
        if same:
            raise ValidationError(
                {"name": _("An account named “%(name)s” already exists.", name=values["name"])}
            )
    for attribute, value in values.items():
        setattr(survivor, attribute, value)
    counts = MergeCounts()
    deals = db.session.scalars(select(Opportunity).where(Opportunity.account_id == merged.id))
    for deal in deals.all():
        deal.account = survivor
        record(
            deal,
            user,
            "merged",
            field="account",
            old=merged.name,
            new=survivor.name,
            message=MERGED,
        )
        counts.deals += 1
    counts.links = _move_links(user, survivor, merged)
    now = utcnow()
    counts.contacts = db.session.execute(
        update(Contact)
        .where(Contact.account_id == merged.id)
        .values(account_id=survivor.id, updated_at=now)
    ).rowcount
    counts.leads = db.session.execute(
        update(Lead).where(Lead.account_id == merged.id).values(account_id=survivor.id)
    ).rowcount
    merged.deleted_at, merged.deleted_by_id, merged.merged_into_id = now, user.id, survivor.id
    survivor.updated_at = now
    db.session.flush()
    return counts


def _move_links(user: User, survivor: Account, merged: Account) -> int:
    """Partner and competitor links move to the survivor; a deal that already has the same
    link to it keeps one (the notes joined)."""
    links = list(
        db.session.scalars(
            select(OpportunityAccount).where(OpportunityAccount.account_id == merged.id)
        )
    )
    if not links:
        return 0
    existing = {
        (link.opportunity_id, link.role): link
        for link in db.session.scalars(
            select(OpportunityAccount).where(
                OpportunityAccount.account_id == survivor.id,
                OpportunityAccount.opportunity_id.in_([link.opportunity_id for link in links]),
            )
        )
    }
    for link in links:
        deal, kept = link.opportunity, existing.get((link.opportunity_id, link.role))
        if kept is None:
            link.account = survivor
        else:
            notes = [note for note in (kept.note, link.note) if note]
            kept.note = "; ".join(dict.fromkeys(notes))[:255] or None
            db.session.delete(link)  # the same link twice: one stays
        record(
            deal,
            user,
            "merged",
            field=link.role,
            old=merged.name,
            new=survivor.name,
            message=MERGED,
        )
    return len(links)


def merged_accounts(account: Account) -> list[Account]:
    """The accounts merged into ``account`` (in the trash), newest first."""
    return list(
        db.session.scalars(
            select(Account)
            .where(Account.merged_into_id == account.id)
            .order_by(Account.deleted_at.desc(), Account.id.desc())
            .limit(50)
        )
    )


def survivor_of(model, row_id: int):
    """The live record a merged (trashed) one was merged into, or None."""
    row = db.session.get(model, row_id)
    for _step in range(10):  # follow a short chain of merges
        if row is None or row.merged_into_id is None:
            break
        row = db.session.get(model, row.merged_into_id)
    return row if row is not None and row.deleted_at is None else None
