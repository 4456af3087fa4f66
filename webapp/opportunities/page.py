"""What the opportunity page shows, loaded in a fixed number of queries whatever the
number of lines, contacts, activities, notes, documents or timeline entries."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from .. import permissions
from ..extensions import db
from ..models import (
    Activity,
    Document,
    LostReason,
    Note,
    Opportunity,
    OpportunityAccount,
    OpportunityContact,
    OpportunityLine,
    Product,
    TimelineEntry,
    User,
)

TIMELINE_PAGE = 20


def _person(relationship):
    """Eager-load a user relationship without the user's groups and business lines."""
    return joinedload(relationship).options(lazyload(User.groups), lazyload(User.business_lines))


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    next_before: int | None  # id to pass as ``before`` for the older entries


def load_opportunity(user: User, opportunity_id: int) -> Opportunity:
    """The deal with everything its panels show, eagerly loaded."""
    from .services import get_opportunity

    opp = (
        db.session.scalars(
            select(Opportunity)
            .where(Opportunity.id == opportunity_id)
            .options(
                joinedload(Opportunity.account),
                joinedload(Opportunity.primary_contact),
                _person(Opportunity.owner),
                joinedload(Opportunity.stage),
                joinedload(Opportunity.source),
                joinedload(Opportunity.lost_reason),
                joinedload(Opportunity.pipeline),
                selectinload(Opportunity.tags),
                selectinload(Opportunity.lines).joinedload(OpportunityLine.product),
                selectinload(Opportunity.contact_links).joinedload(OpportunityContact.contact),
                selectinload(Opportunity.account_links).joinedload(OpportunityAccount.account),
            )
        )
        .unique()
        .first()
    )
    if opp is not None:
        opp.pipeline.stages  # noqa: B018 - the stage bar needs them; one query
    return get_opportunity(user, opp.id if opp else opportunity_id)


def timeline(opp: Opportunity, before: int | None = None) -> Timeline:
    """Newest first, one page; ``before`` continues after the last entry shown."""
    query = (
        select(TimelineEntry)
        .where(TimelineEntry.opportunity_id == opp.id)
        .options(_person(TimelineEntry.user))
        .order_by(TimelineEntry.created_at.desc(), TimelineEntry.id.desc())
        .limit(TIMELINE_PAGE + 1)
    )
    if before:
        anchor = db.session.get(TimelineEntry, before)
        if anchor is not None:
            query = query.where(
                (TimelineEntry.created_at < anchor.created_at)
                | ((TimelineEntry.created_at == anchor.created_at) & (TimelineEntry.id < anchor.id))
            )
    entries = list(db.session.scalars(query))
    more = len(entries) > TIMELINE_PAGE
    entries = entries[:TIMELINE_PAGE]
    return Timeline(entries, entries[-1].id if more else None)


def latest_entry_id(opp: Opportunity) -> int:
    """The newest timeline entry's id: an editor remembers it to tell what changed since."""
    return (
        db.session.scalar(
            select(func.max(TimelineEntry.id)).where(TimelineEntry.opportunity_id == opp.id)
        )
        or 0
    )


def changes_since(opp: Opportunity, seen: int | None, limit: int = 10) -> list[TimelineEntry]:
    """What happened to the deal after entry ``seen`` (the latest ones when unknown)."""
    query = (
        select(TimelineEntry)
        .where(TimelineEntry.opportunity_id == opp.id)
        .options(_person(TimelineEntry.user))
        .order_by(TimelineEntry.id.desc())
        .limit(limit if seen is not None else 5)
    )
    if seen is not None:
        query = query.where(TimelineEntry.id > seen)
    return list(db.session.scalars(query))


def version_for_save(opp: Opportunity, user: User, field: str, version, seen: int | None):
    """The version an inline save of ``field`` is checked against. An editor opened before
    the user's own saves of *other* fields is not stale (nobody else's change would be
    overwritten), so it takes the current version; anything else keeps the given one."""
    if seen is None or version in (None, "") or str(version) == str(opp.version):
        return version
    changes = changes_since(opp, seen, limit=100)
    touched = {entry.field for entry in changes}
    if field == "probability" and "stage" in touched:
        return version
    if changes and all(e.user_id == user.id for e in changes) and field not in touched:
        return opp.version
    return version


def activities(opp: Opportunity) -> list[Activity]:
    """Open ones first (by due date), then the done ones, newest first."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.opportunity_id == opp.id)
            .options(joinedload(Activity.contact), _person(Activity.owner))
            .order_by(Activity.done, Activity.due_at.is_(None), Activity.due_at, Activity.id.desc())
        )
    )


def notes(opp: Opportunity) -> list[Note]:
    """Pinned notes on top, then newest first."""
    return list(
        db.session.scalars(
            select(Note)
            .where(Note.opportunity_id == opp.id)
            .options(_person(Note.author))
            .order_by(Note.pinned.desc(), Note.created_at.desc(), Note.id.desc())
        )
    )


def documents(opp: Opportunity) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.opportunity_id == opp.id)
            .options(_person(Document.uploaded_by))
            .order_by(Document.created_at.desc(), Document.id.desc())
        )
    )


def products() -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.active).order_by(Product.name)))


def lost_reasons() -> list[LostReason]:
    return list(
        db.session.scalars(
            select(LostReason)
            .where(LostReason.active)
            .order_by(LostReason.position, LostReason.name)
        )
    )


def can_edit(user: User, opp: Opportunity) -> bool:
    return permissions.can_edit(user, opp)


def candidate_contacts(opp: Opportunity) -> list:
    """Contacts of the deal's account not yet on the deal (for the add-contact picker)."""
    from ..models import Contact

    if opp.account_id is None:
        return []
    linked = {link.contact_id for link in opp.contact_links}
    rows = db.session.scalars(
        select(Contact)
        .where(Contact.account_id == opp.account_id, Contact.deleted_at.is_(None))
        .order_by(Contact.last_name, Contact.first_name)
        .limit(500)
    )
    return [c for c in rows if c.id not in linked]
