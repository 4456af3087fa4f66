"""What the opportunity page shows, loaded in a fixed number of queries whatever the
number of lines, contacts, activities, notes, documents or timeline entries."""

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Boolean, Integer, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from .. import permissions
from ..extensions import db
from ..models import (
    Activity,
    ActivityType,
    Contact,
    Document,
    Note,
    Opportunity,
    OpportunityAccount,
    OpportunityContact,
    OpportunityLine,
    Product,
    Stage,
    Tag,
    TimelineEntry,
    User,
    opportunity_tags,
)

TIMELINE_PAGE = 20


def _person(relationship):
    """Eager-load a user relationship without the user's groups and business lines."""
    return joinedload(relationship).options(lazyload(User.groups), lazyload(User.business_lines))


# Loader options and orders are built once: building them per request cost more than the
# queries they shape. The deal's row joins its one-to-one relations; its lists, its
# pipeline's stages and the pickers' choices come in one more query (``_load_lists``).
DEAL_OPTIONS = (
    joinedload(Opportunity.account),
    joinedload(Opportunity.primary_contact),
    _person(Opportunity.owner),
    joinedload(Opportunity.stage),
    joinedload(Opportunity.source),
    joinedload(Opportunity.lost_reason),
    joinedload(Opportunity.pipeline),
)
TIMELINE_OPTIONS = _person(TimelineEntry.user)
TIMELINE_ORDER = (TimelineEntry.created_at.desc(), TimelineEntry.id.desc())
ACTIVITY_OPTIONS = (joinedload(Activity.contact), _person(Activity.owner))
ACTIVITY_ORDER = (Activity.done, Activity.due_at.is_(None), Activity.due_at, Activity.id.desc())
NOTE_OPTIONS = _person(Note.author)
NOTE_ORDER = (Note.pinned.desc(), Note.created_at.desc(), Note.id.desc())
DOCUMENT_OPTIONS = _person(Document.uploaded_by)
DOCUMENT_ORDER = (Document.created_at.desc(), Document.id.desc())
CANDIDATE_ORDER = (Contact.last_name, Contact.first_name, Contact.id)
_LISTS = {  # what _load_lists loads, in the order of its row kinds
    "lines": OpportunityLine,
    "contact_links": OpportunityContact,
    "account_links": OpportunityAccount,
    "tags": Tag,
    "activities": Activity,
    "notes": Note,
    "documents": Document,
    "timeline": TimelineEntry,
}
_CHOICES = {  # what _load_lists loads beside them: few rows, from small tables
    "stages": Stage,  # of the deal's pipeline
    "activity_types": ActivityType,
    "products": Product,  # the pickers' choices: only for who may edit (``pickers``)
    "candidates": Contact,
}
CANDIDATES = 500  # at most, contacts of the account offered by the add-contact picker


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    next_before: int | None  # id to pass as ``before`` for the older entries


@dataclass
class PageLists:
    """The lists of the page's panels beside the deal's own collections."""

    activities: list[Activity]
    notes: list[Note]
    documents: list[Document]
    timeline: Timeline
    activity_types: list[ActivityType]
    products: list[Product]  # empty for who may not edit the deal
    candidates: list[Contact]  # the same


def load_page(
    user: User, opportunity_id: int, pickers: bool = True
) -> tuple[Opportunity, PageLists]:
    """The deal (NotFound or PermissionDenied as ``get_opportunity``) with everything its page
    shows, in three queries whatever the number of lines, contacts, notes or entries; the
    pickers' choices only with ``pickers`` and for who may edit the deal."""
    from .services import get_opportunity

    opp = db.session.scalars(_deal_query(), {"deal_id": opportunity_id}).one_or_none()
    opp = get_opportunity(user, opp.id if opp else opportunity_id)
    return opp, _load_lists(opp, pickers=pickers and can_edit(user, opp))


def load_opportunity(user: User, opportunity_id: int) -> Opportunity:
    """The deal with everything its panels show, eagerly loaded (no pickers' choices)."""
    return load_page(user, opportunity_id, pickers=False)[0]


def _load_lists(opp: Opportunity, pickers: bool) -> PageLists:
    """Every list of the page in two statements (``_lists_query``, ``_choices_query``). The
    deal's collections (lines, contacts, accounts, tags) and its pipeline's stages are set as
    loaded; the rest is returned."""
    found = _rows(_lists_query(), _LISTS, {"deal_id": opp.id})
    found |= _rows(_choices_query(), _CHOICES, {"deal_id": opp.id, "pickers": pickers})
    for name in ("lines", "contact_links", "account_links", "tags"):
        set_committed_value(opp, name, found[name])
    set_committed_value(opp.pipeline, "stages", found["stages"])
    entries = found["timeline"]
    more = len(entries) > TIMELINE_PAGE
    entries = entries[:TIMELINE_PAGE]
    linked = {link.contact_id for link in found["contact_links"]}
    return PageLists(
        found["activities"],
        found["notes"],
        found["documents"],
        Timeline(entries, entries[-1].id if more else None),
        found["activity_types"],
        found["products"],
        [c for c in found["candidates"] if c.id not in linked],
    )


@cache
def _deal_query():
    """The deal's row with its one-to-one relations (built once, as the lists' statements)."""
    deal_id = bindparam("deal_id", type_=Integer)
    return select(Opportunity).where(Opportunity.id == deal_id).options(*DEAL_OPTIONS)


def _rows(query, kinds: dict, params: dict) -> dict[str, list]:
    """The items of each kind of ``query``'s rows, in order."""
    found: dict[str, list] = {name: [] for name in kinds}
    names = list(kinds)
    for row in db.session.execute(query, params):
        item = row[row.k + 1]
        if item is not None:
            found[names[row.k]].append(item)
    return found


def _kinds(count: int):
    """The rows 0 .. count - 1 (column ``k``): one per kind of item a statement loads."""
    kinds = union_all(*(select(literal_column(str(k)).label("k")) for k in range(count)))
    return kinds.subquery("kinds")


@cache
def _lists_query():
    """A row per list kind (``k``) outer-joins only that list's table, so each item comes
    once (no product of lists) and the statement costs about what one query does. Built
    once: building it cost more than running it."""
    deal_id = bindparam("deal_id", type_=Integer)
    kinds = _kinds(len(_LISTS))
    on = {name: kinds.c.k == k for k, name in enumerate(_LISTS)}
    latest = (
        select(TimelineEntry.id)
        .where(TimelineEntry.opportunity_id == deal_id)
        .order_by(*TIMELINE_ORDER)
        .limit(TIMELINE_PAGE + 1)
    )
    return (
        select(kinds.c.k, *_LISTS.values())
        .select_from(kinds)
        .outerjoin(OpportunityLine, on["lines"] & (OpportunityLine.opportunity_id == deal_id))
        .outerjoin(
            OpportunityContact, on["contact_links"] & (OpportunityContact.opportunity_id == deal_id)
        )
        .outerjoin(
            OpportunityAccount, on["account_links"] & (OpportunityAccount.opportunity_id == deal_id)
        )
        .outerjoin(opportunity_tags, on["tags"] & (opportunity_tags.c.opportunity_id == deal_id))
        .outerjoin(Tag, Tag.id == opportunity_tags.c.tag_id)
        .outerjoin(Activity, on["activities"] & (Activity.opportunity_id == deal_id))
        .outerjoin(Note, on["notes"] & (Note.opportunity_id == deal_id))
        .outerjoin(Document, on["documents"] & (Document.opportunity_id == deal_id))
        .outerjoin(TimelineEntry, on["timeline"] & TimelineEntry.id.in_(latest.scalar_subquery()))
        .options(
            joinedload(OpportunityLine.product),
            joinedload(OpportunityContact.contact),
            joinedload(OpportunityAccount.account),
            *ACTIVITY_OPTIONS,
            NOTE_OPTIONS,
            DOCUMENT_OPTIONS,
            TIMELINE_OPTIONS,
        )
        .order_by(
            kinds.c.k,
            OpportunityLine.position,
            OpportunityLine.id,
            OpportunityContact.id,
            OpportunityAccount.id,
            Tag.name,
            *ACTIVITY_ORDER,
            *NOTE_ORDER,
            *DOCUMENT_ORDER,
            *TIMELINE_ORDER,
        )
    )


@cache
def _choices_query():
    """As ``_lists_query``, for the deal's stages and the pickers' choices (a statement of
    their own: each kind of a statement widens every row of the others)."""
    deal_id = bindparam("deal_id", type_=Integer)
    pickers = bindparam("pickers", type_=Boolean)
    of_deal = select(Opportunity).where(Opportunity.id == deal_id)
    pipeline_id = of_deal.with_only_columns(Opportunity.pipeline_id).scalar_subquery()
    account_id = of_deal.with_only_columns(Opportunity.account_id).scalar_subquery()
    kinds = _kinds(len(_CHOICES))
    on = {name: kinds.c.k == k for k, name in enumerate(_CHOICES)}
    candidates = (
        select(Contact.id)
        .where(Contact.account_id == account_id, Contact.deleted_at.is_(None))
        .order_by(*CANDIDATE_ORDER)
        .limit(CANDIDATES)
    )
    return (
        select(kinds.c.k, *_CHOICES.values())
        .select_from(kinds)
        .outerjoin(Stage, on["stages"] & (Stage.pipeline_id == pipeline_id))
        .outerjoin(ActivityType, on["activity_types"])
        .outerjoin(Product, on["products"] & pickers & Product.active)
        .outerjoin(
            Contact, on["candidates"] & pickers & Contact.id.in_(candidates.scalar_subquery())
        )
        .order_by(
            kinds.c.k,
            Stage.position,
            ActivityType.position,
            ActivityType.id,
            Product.name,
            *CANDIDATE_ORDER,
        )
    )


def timeline(opp: Opportunity, before: int | None = None) -> Timeline:
    """Newest first, one page; ``before`` continues after the last entry shown."""
    query = (
        select(TimelineEntry)
        .where(TimelineEntry.opportunity_id == opp.id)
        .options(TIMELINE_OPTIONS)
        .order_by(*TIMELINE_ORDER)
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
        .options(TIMELINE_OPTIONS)
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
            .options(*ACTIVITY_OPTIONS)
            .order_by(*ACTIVITY_ORDER)
        )
    )


def notes(opp: Opportunity) -> list[Note]:
    """Pinned notes on top, then newest first."""
    return list(
        db.session.scalars(
            select(Note)
            .where(Note.opportunity_id == opp.id)
            .options(NOTE_OPTIONS)
            .order_by(*NOTE_ORDER)
        )
    )


def documents(opp: Opportunity) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.opportunity_id == opp.id)
            .options(DOCUMENT_OPTIONS)
            .order_by(*DOCUMENT_ORDER)
        )
    )


def products() -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.active).order_by(Product.name)))


def can_edit(user: User, opp: Opportunity) -> bool:
    return permissions.can_edit(user, opp)


def candidate_contacts(opp: Opportunity) -> list:
    """Contacts of the deal's account not yet on the deal (for the add-contact picker)."""
    if opp.account_id is None:
        return []
    linked = {link.contact_id for link in opp.contact_links}
    rows = db.session.scalars(
        select(Contact)
        .where(Contact.account_id == opp.account_id, Contact.deleted_at.is_(None))
        .order_by(*CANDIDATE_ORDER)
        .limit(CANDIDATES)
    )
    return [c for c in rows if c.id not in linked]
