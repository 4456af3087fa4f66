"""Trash, restore and purge deals, accounts, contacts and leads; list what is in the trash.

Trashing only stamps ``deleted_at`` and ``deleted_by_id``: the row keeps its links, board
position and history, so restoring clears the stamp and the record is back exactly as it
was. While in the trash a record is left out of every list, search, board, page and total
(each query tests ``deleted_at IS NULL``); its page answers 404.

Rules a CRM needs so that what comes back makes sense:

- An account with deals that are not in the trash cannot be trashed (its deals would lose
  their account); its live contacts go to the trash with it, stamped the same instant, and
  come back with it.
- A deal or a contact whose account is in the trash cannot be restored before the account.
- A merged account or contact (``merged_into_id``) stays in the trash: its deals and links
  now belong to the survivor.

Purging (admins only) deletes the row for good, with everything that only exists for it,
in one transaction. A record still referred to by another record, in the trash or not, is
refused with the list of what refers to it (purge or re-link those first):

- a deal takes with it its timeline, stage history, product lines, contact and partner
  links, tags, activities, notes, documents (rows now, files after the commit) and plugin
  rows (database cascades); a lead converted into it only forgets the link;
- an account is refused while deals (as account or as partner/competitor) or contacts
  refer to it; leads converted into it and accounts merged into it forget the link;
- a contact is refused while deals (as primary contact or on the buying committee) or
  activities refer to it; leads and merged contacts forget the link;
- a lead has nothing that depends on it.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from ..errors import DomainError, NotFound, PermissionDenied
from ..extensions import db
from ..i18n.formats import local_digits
from ..inputs import integer, search_text
from ..models import (
    Account,
    Activity,
    Contact,
    Document,
    Lead,
    Note,
    Opportunity,
    OpportunityAccount,
    OpportunityContact,
    OpportunityLine,
    StageHistory,
    TimelineEntry,
    User,
    opportunity_tags,
)
from ..models._base import utcnow
from ..reports import summaries
from ..timeline.services import record
from ..transactions import transactional
from . import files, rules

PER_PAGE = 25
PERIODS = {
    "today": _l("Today"),
    "week": _l("Last 7 days"),
    "month": _l("Last 30 days"),
    "older": _l("Older"),
}


@dataclass(frozen=True)
class Kind:
    key: str
    model: type
    singular: str
    plural: str  # the tab (lazy strings, like the three below)
    endpoint: str
    id_arg: str
    search: tuple
    heading: str = ""  # the table's first column
    empty: str = ""  # an empty tab's sentence
    missing: str = ""  # a record not found


KINDS = {
    "deals": Kind(
        "deals",
        Opportunity,
        "deal",
        _l("Deals"),
        "opportunities.detail",
        "opportunity_id",
        (Opportunity.name,),
        _l("Deal"),
        _l("The trash has no deals."),
        _l("This deal does not exist."),
    ),
    "accounts": Kind(
        "accounts",
        Account,
        "account",
        _l("Accounts"),
        "accounts.detail",
        "account_id",
        (Account.name, Account.city, Account.email),
        _l("Account"),
        _l("The trash has no accounts."),
        _l("This account does not exist."),
    ),
    "contacts": Kind(
        "contacts",
        Contact,
        "contact",
        _l("Contacts"),
        "contacts.detail",
        "contact_id",
        (Contact.first_name, Contact.last_name, Contact.email),
        _l("Contact"),
        _l("The trash has no contacts."),
        _l("This contact does not exist."),
    ),
    "leads": Kind(
        "leads",
        Lead,
        "lead",
        _l("Leads"),
        "leads.detail",
        "lead_id",
        (Lead.first_name, Lead.last_name, Lead.company, Lead.email),
        _l("Lead"),
        _l("The trash has no leads."),
        _l("This lead does not exist."),
    ),
}


def kind_of(key: str) -> Kind:
    if key not in KINDS:
        raise NotFound(_("There is no such kind of record in the trash."))
    return KINDS[key]


def label(row) -> str:
    """The name a record is listed under."""
    if isinstance(row, Opportunity | Account):
        return row.name
    if isinstance(row, Lead) and row.company:
        return f"{row.full_name} ({row.company})"
    return row.full_name


def get(kind: Kind, record_id, *, trashed: bool):
    row = db.session.get(kind.model, integer(record_id, minimum=1) or 0)
    if row is None or (row.deleted_at is not None) != trashed:
        raise NotFound(str(kind.missing))
    return row


def require_trash(user: User, kind: Kind, row) -> None:
    if not db.session.scalar(
        select(func.count())
        .select_from(kind.model)
        .where(kind.model.id == row.id, rules.visible(user, kind.model))
    ):
        raise NotFound(str(kind.missing))
    if not rules.can_trash(user, row):
        raise PermissionDenied(_("You may not move this record to the trash or back."))


# --- Trash ---------------------------------------------------------------------------------


@transactional
def trash(user: User, kind_key: str, record_id, version=None):
    """Move one record to the trash (see the module's rules); returns it."""
    kind = kind_of(kind_key)
    row = get(kind, record_id, trashed=False)
    if kind.model is Opportunity:
        from ..opportunities.services import delete_opportunity

        delete_opportunity(user, row, version)
        return row
    require_trash(user, kind, row)
    now = utcnow()
    if kind.model is Account:
        live_deals = db.session.scalar(
            select(func.count()).where(
                Opportunity.account_id == row.id, Opportunity.deleted_at.is_(None)
            )
        )
        if live_deals:
            raise DomainError(
                ngettext(
                    "“%(name)s” still has %(num)s deal outside the trash. Move it to another "
                    "account or to the trash first.",
                    "“%(name)s” still has %(num)s deals outside the trash. Move them to "
                    "another account or to the trash first.",
                    live_deals,
                    name=row.name,
                )
            )
        db.session.execute(
            update(Contact)
            .where(Contact.account_id == row.id, Contact.deleted_at.is_(None))
            .values(deleted_at=now, deleted_by_id=user.id)
        )
    row.deleted_at, row.deleted_by_id = now, user.id
    return row


def stamp_trashed(user: User, opp: Opportunity) -> None:
    """Put one deal in the trash within the caller's transaction (permission checked by it)."""
    opp.deleted_at, opp.deleted_by_id = utcnow(), user.id
    opp.updated_by_id = user.id
    record(opp, user, "deleted", message="Moved to the trash")


# --- Restore -------------------------------------------------------------------------------


@transactional
def restore(user: User, kind_key: str, record_id):
    """Take one record out of the trash, exactly as it was; returns it."""
    kind = kind_of(kind_key)
    row = get(kind, record_id, trashed=True)
    require_trash(user, kind, row)
    if getattr(row, "merged_into_id", None):
        raise DomainError(
            _(
                "This record was merged into another one: its deals and links belong to that "
                "one now, so it stays in the trash."
            )
        )
    account_id = getattr(row, "account_id", None) if kind.model is not Lead else None
    if account_id:
        account = db.session.get(Account, account_id)
        if account is not None and account.deleted_at is not None:
            raise DomainError(
                _(
                    "Its account “%(name)s” is in the trash: restore the account first.",
                    name=account.name,
                )
            )
    if kind.model is Account:
        db.session.execute(
            update(Contact)
            .where(
                Contact.account_id == row.id,
                Contact.deleted_at == row.deleted_at,
                Contact.deleted_by_id == row.deleted_by_id,
                Contact.merged_into_id.is_(None),
            )
            .values(deleted_at=None, deleted_by_id=None)
        )
    row.deleted_at, row.deleted_by_id = None, None
    if kind.model is Opportunity:
        row.updated_by_id = user.id
        record(row, user, "restored", message="Restored from the trash")
    return row


# --- Purge ---------------------------------------------------------------------------------


def _deals_refer(count: int, names: str) -> str:
    return ngettext(
        "%(num)s deal refers to it (in the trash or not): %(names)s.",
        "%(num)s deals refer to it (in the trash or not): %(names)s.",
        count,
        names=names,
    )


# What goes with a purged record, by the key ``consequences`` gives, said for a count.
# Each said in the reader's words and digits (Persian: ``۳``).
CONSEQUENCES = {
    "timeline entries": lambda n: local_digits(
        ngettext("%(num)s timeline entry", "%(num)s timeline entries", n)
    ),
    "stage history rows": lambda n: local_digits(
        ngettext("%(num)s stage history row", "%(num)s stage history rows", n)
    ),
    "product lines": lambda n: local_digits(
        ngettext("%(num)s product line", "%(num)s product lines", n)
    ),
    "contact links": lambda n: local_digits(
        ngettext("%(num)s contact link", "%(num)s contact links", n)
    ),
    "partner and competitor links": lambda n: local_digits(
        ngettext("%(num)s partner or competitor link", "%(num)s partner and competitor links", n)
    ),
    "activities": lambda n: local_digits(ngettext("%(num)s activity", "%(num)s activities", n)),
    "notes": lambda n: local_digits(ngettext("%(num)s note", "%(num)s notes", n)),
    "documents and their files": lambda n: local_digits(
        ngettext("%(num)s document and its file", "%(num)s documents and their files", n)
    ),
    "tag links": lambda n: local_digits(ngettext("%(num)s tag link", "%(num)s tag links", n)),
    "converted leads that will forget the link": lambda n: local_digits(
        ngettext(
            "%(num)s converted lead that will forget the link",
            "%(num)s converted leads that will forget the link",
            n,
        )
    ),
}


def _names(query, limit: int = 5) -> list[str]:
    return list(db.session.scalars(query.limit(limit)))


def blockers(kind: Kind, row) -> list[str]:
    """Why ``row`` cannot be purged yet: one sentence per kind of record still referring to
    it, naming a few of them (empty when it can be purged)."""
    found = []

    def check(count_query, names_query, sentence):
        count = db.session.scalar(count_query)
        if count:
            names = ", ".join(f"“{n}”" for n in _names(names_query))
            found.append(sentence(count, names))

    if kind.model is Account:
        refers = or_(
            Opportunity.account_id == row.id,
            Opportunity.id.in_(
                select(OpportunityAccount.opportunity_id).where(
                    OpportunityAccount.account_id == row.id
                )
            ),
        )
        check(
            select(func.count()).select_from(Opportunity).where(refers),
            select(Opportunity.name).where(refers).order_by(Opportunity.name),
            _deals_refer,
        )
        check(
            select(func.count()).select_from(Contact).where(Contact.account_id == row.id),
            select(Contact.first_name + " " + Contact.last_name)
            .where(Contact.account_id == row.id)
            .order_by(Contact.last_name),
            lambda count, names: ngettext(
                "%(num)s contact belongs to it (in the trash or not): %(names)s.",
                "%(num)s contacts belong to it (in the trash or not): %(names)s.",
                count,
                names=names,
            ),
        )
    elif kind.model is Contact:
        refers = or_(
            Opportunity.primary_contact_id == row.id,
            Opportunity.id.in_(
                select(OpportunityContact.opportunity_id).where(
                    OpportunityContact.contact_id == row.id
                )
            ),
        )
        check(
            select(func.count()).select_from(Opportunity).where(refers),
            select(Opportunity.name).where(refers).order_by(Opportunity.name),
            _deals_refer,
        )
        check(
            select(func.count()).select_from(Activity).where(Activity.contact_id == row.id),
            select(Activity.subject).where(Activity.contact_id == row.id).order_by(Activity.id),
            lambda count, names: ngettext(
                "%(num)s activity is with this contact: %(names)s.",
                "%(num)s activities are with this contact: %(names)s.",
                count,
                names=names,
            ),
        )
    return found


def consequence_texts(found: list[tuple[str, int]]) -> list[str]:
    """``consequences`` as the purge dialog says them: ``3 product lines``."""
    return [CONSEQUENCES[key](count) for key, count in found]


def consequences(kind: Kind, row) -> list[tuple[str, int]]:
    """What goes with ``row`` when it is purged: (description, how many), the ones present."""
    counts = []
    if kind.model is Opportunity:
        for text, column in (
            ("timeline entries", TimelineEntry.opportunity_id),
            ("stage history rows", StageHistory.opportunity_id),
            ("product lines", OpportunityLine.opportunity_id),
            ("contact links", OpportunityContact.opportunity_id),
            ("partner and competitor links", OpportunityAccount.opportunity_id),
            ("activities", Activity.opportunity_id),
            ("notes", Note.opportunity_id),
            ("documents and their files", Document.opportunity_id),
        ):
            counts.append((text, db.session.scalar(select(func.count()).where(column == row.id))))
        counts.append(
            (
                "tag links",
                db.session.scalar(
                    select(func.count())
                    .select_from(opportunity_tags)
                    .where(opportunity_tags.c.opportunity_id == row.id)
                ),
            )
        )
    column = {Opportunity: Lead.opportunity_id, Account: Lead.account_id, Contact: Lead.contact_id}
    if kind.model in column:
        leads = db.session.scalar(select(func.count()).where(column[kind.model] == row.id))
        counts.append(("converted leads that will forget the link", leads))
    return [(text, count) for text, count in counts if count]


@transactional
def purge(user: User, kind_key: str, record_id, folder: str | None = None) -> str:
    """Delete a record in the trash for good (admins only), with what depends on it; refused
    while other records refer to it (see the module's rules). Returns its name."""
    kind = kind_of(kind_key)
    if not rules.can_purge(user):
        raise PermissionDenied(_("Only administrators may delete records for good."))
    row = get(kind, record_id, trashed=True)
    problems = blockers(kind, row)
    if problems:
        raise DomainError(
            _(
                "“%(name)s” cannot be deleted for good yet: %(problems)s",
                name=label(row),
                problems=" ".join(problems),
            )
        )
    name = label(row)
    model = kind.model
    if model is Opportunity:
        stored = list(
            db.session.scalars(
                select(Document.stored_name).where(Document.opportunity_id == row.id)
            )
        )
        if folder:
            files.unlink_after_commit(folder, stored)
        db.session.execute(
            update(Lead).where(Lead.opportunity_id == row.id).values(opportunity_id=None)
        )
    elif model is Account:
        db.session.execute(update(Lead).where(Lead.account_id == row.id).values(account_id=None))
        db.session.execute(
            update(Account).where(Account.merged_into_id == row.id).values(merged_into_id=None)
        )
    elif model is Contact:
        db.session.execute(update(Lead).where(Lead.contact_id == row.id).values(contact_id=None))
        db.session.execute(
            update(Contact).where(Contact.merged_into_id == row.id).values(merged_into_id=None)
        )
    db.session.flush()
    before = summaries.snapshot([row.id]) if model is Opportunity else None
    db.session.expunge(row)
    db.session.execute(delete(model).where(model.id == row.id))
    if before is not None:
        summaries.changed([row.id], before)
    return name


# --- The trash page ------------------------------------------------------------------------


@dataclass
class TrashFilters:
    kind: str = "deals"
    text: str = ""
    who: int | None = None
    when: str = ""

    @classmethod
    def from_args(cls, args) -> "TrashFilters":
        kind = args.get("kind") if args.get("kind") in KINDS else "deals"
        when = args.get("when") if args.get("when") in PERIODS else ""
        return cls(kind, search_text(args.get("q")), integer(args.get("who"), minimum=1), when)

    def query_args(self, **changes) -> dict:
        args = {"kind": self.kind, "q": self.text, "who": self.who, "when": self.when}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}


def list_trash(user: User, filters: TrashFilters, page: int = 1):
    """One page of the trash of one kind, newest first, limited to what ``user`` may see."""
    kind = KINDS[filters.kind]
    model = kind.model
    query = (
        select(model)
        .options(joinedload(model.deleted_by).lazyload("*"))
        .where(model.deleted_at.is_not(None), rules.visible(user, model))
    )
    for word in filters.text.split():
        pattern = (
            "%" + word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(or_(*(func.lower(c).like(pattern, escape="\\") for c in kind.search)))
    if filters.who:
        query = query.where(model.deleted_by_id == filters.who)
    if filters.when:
        now = utcnow()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if filters.when == "older":
            query = query.where(model.deleted_at < now - timedelta(days=30))
        else:
            days = {"today": 0, "week": 7, "month": 30}[filters.when]
            query = query.where(model.deleted_at >= start - timedelta(days=days))
    return db.paginate(
        query.order_by(model.deleted_at.desc(), model.id.desc()),
        page=page,
        per_page=PER_PAGE,
        error_out=False,
    )


def deleters(user: User, kind_key: str) -> list[tuple[int, str]]:
    """(id, name) of the users who trashed records of this kind that ``user`` may see."""
    model = KINDS[kind_key].model
    return list(
        db.session.execute(
            select(User.id, User.name)
            .where(
                User.id.in_(
                    select(model.deleted_by_id).where(
                        model.deleted_at.is_not(None), rules.visible(user, model)
                    )
                )
            )
            .order_by(User.name)
        )
    )
