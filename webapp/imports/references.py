"""What an import's cells name, resolved to rows: users, pipelines and stages, sources, lost
reasons and tags read once per run; accounts and contacts read per batch of rows (one query
for all the names of a batch) and kept for the rest of the run.

A record the run will create (an account named on a deal, a new tag) is a ``NewRow``: its
values wait for the batch write, which fills in its ``id``; rows that name it again share it.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from .. import permissions
from ..extensions import db
from ..models import (
    SALES_GROUP,
    Account,
    Contact,
    LostReason,
    Pipeline,
    Source,
    Tag,
    User,
    names,
)
from .bulk import among

# The keys of the names a file repeats (an account on many deals) are computed once.
name_key = lru_cache(maxsize=65536)(names.name_key)
core_key = lru_cache(maxsize=65536)(names.core_key)
contact_key = lru_cache(maxsize=65536)(names.contact_key)

TAG_LISTS = 65536  # lists of tag names kept resolved
AMBIGUOUS = object()  # several live accounts have that name


class Rejected(Exception):
    """A row is not imported: ``column`` (its header label, or None for the whole row) and
    the reason, written for the person who fixes the file."""

    def __init__(self, column: str | None, reason: str):
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass(eq=False)
class NewRow:
    """A record this run creates; ``id`` is known once its batch is written."""

    values: dict
    id: int | None = None


def folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def row_id(value) -> int | None:
    """The id of an existing row (int) or of a NewRow already written."""
    return value.id if isinstance(value, NewRow) else value


@dataclass
class References:
    """The lookups of one run, for the importing ``user``."""

    user: User
    users: dict = field(default_factory=dict)  # folded email and name -> User
    pipelines: dict = field(default_factory=dict)  # folded name -> Pipeline
    sources: dict = field(default_factory=dict)
    reasons: dict = field(default_factory=dict)
    tags: dict = field(default_factory=dict)  # folded name -> id | NewRow
    accounts: dict = field(default_factory=dict)  # name_key -> id | NewRow | AMBIGUOUS | None
    cores: dict = field(default_factory=dict)  # core_key -> id | AMBIGUOUS | None
    contacts_by_email: dict = field(default_factory=dict)  # folded email -> id | NewRow | None
    contacts_by_name: dict = field(default_factory=dict)  # (account id, key) -> id | None
    default_pipeline: Pipeline | None = None
    _owners: dict = field(default_factory=dict)
    _stages: dict = field(default_factory=dict)
    _tag_lists: dict = field(default_factory=dict)  # tuple of names -> tuple of tags

    def __post_init__(self):
        for user in db.session.scalars(select(User)):
            self.users.setdefault(folded(user.name), user)
        for user in db.session.scalars(select(User)):  # emails win over names
            self.users[folded(user.email)] = user
        pipelines = list(
            db.session.scalars(
                select(Pipeline).order_by(
                    Pipeline.is_default.desc(), Pipeline.position, Pipeline.id
                )
            )
        )
        for pipeline in pipelines:
            if permissions.can_view_business_line(self.user, pipeline.business_line_id):
                self.pipelines.setdefault(folded(pipeline.name), pipeline)
                self.default_pipeline = self.default_pipeline or pipeline
        self.sources = {folded(s.name): s.id for s in db.session.scalars(select(Source))}
        self.reasons = {folded(r.name): r.id for r in db.session.scalars(select(LostReason))}
        self.tags = {folded(t.name): t.id for t in db.session.scalars(select(Tag))}

    # --- read once per run ------------------------------------------------------------------

    def owner(self, text: str | None, column: str, business_line_id: int | None) -> User:
        """The user a cell names (email or name); the importing user when blank."""
        if not text:
            return self.user
        key = (text, column, business_line_id)
        if key not in self._owners:
            try:
                self._owners[key] = self._owner(text, column, business_line_id)
            except Rejected as refusal:
                self._owners[key] = refusal
        found = self._owners[key]
        if isinstance(found, Rejected):
            raise Rejected(found.column, found.reason)
        return found

    def _owner(self, text: str, column: str, business_line_id: int | None) -> User:
        owner = self.users.get(folded(text))
        if owner is None:
            raise Rejected(column, _("Unknown user “%(text)s”.", text=text))
        if not owner.active or not owner.in_group(SALES_GROUP):
            raise Rejected(
                column, _("“%(text)s” is not an active member of the sales group.", text=text)
            )
        if business_line_id is not None and not permissions.can_view_business_line(
            owner, business_line_id
        ):
            raise Rejected(column, _("“%(text)s” does not work in this business line.", text=text))
        return owner

    def pipeline(self, text: str | None, column: str) -> Pipeline:
        if not text:
            if self.default_pipeline is None:
                raise Rejected(column, _("No pipeline is set up that you may use."))
            return self.default_pipeline
        pipeline = self.pipelines.get(folded(text))
        if pipeline is None:
            raise Rejected(column, _("Unknown pipeline “%(text)s”.", text=text))
        return pipeline

    def stage(self, pipeline: Pipeline, text: str | None, column: str):
        key = (pipeline.id, text)
        if key not in self._stages:
            if not text:
                stage = pipeline.open_stages[0] if pipeline.open_stages else None
            else:
                wanted = folded(text)
                stage = next((s for s in pipeline.stages if folded(s.name) == wanted), None)
            self._stages[key] = stage
        stage = self._stages[key]
        if stage is None and text:
            raise Rejected(
                column,
                _(
                    "Unknown stage “%(text)s” in the pipeline “%(pipeline)s”.",
                    text=text,
                    pipeline=pipeline.name,
                ),
            )
        return stage

    def source(self, text: str | None, column: str) -> int | None:
        return self._picklist(self.sources, text, column, _l("Unknown source “%(text)s”."))

    def lost_reason(self, text: str | None, column: str) -> int | None:
        return self._picklist(self.reasons, text, column, _l("Unknown lost reason “%(text)s”."))

    @staticmethod
    def _picklist(known: dict, text, column, unknown) -> int | None:
        if not text:
            return None
        found = known.get(folded(text))
        if found is None:
            raise Rejected(column, unknown % {"text": text})
        return found

    def tag_refs(self, names: list[str]) -> tuple:
        """Tags by name; a tag nobody has yet is created with the run (tags are free labels,
        unlike stages, owners, sources and lost reasons, which are reported when unknown).
        Each list of names a file repeats is resolved once."""
        key = tuple(names)
        found = self._tag_lists.get(key)
        if found is None:
            found = tuple(self._tag_refs(names))
            if len(self._tag_lists) < TAG_LISTS:  # memory stays bounded on any file
                self._tag_lists[key] = found
        return found

    def _tag_refs(self, names: list[str]) -> list:
        refs = []
        for name in names:
            name = " ".join(name.split())[:60]
            key = folded(name)
            if key not in self.tags:
                self.tags[key] = NewRow({"name": name, "color": "secondary"})
            if self.tags[key] not in refs:
                refs.append(self.tags[key])
        return refs

    # --- read per batch ---------------------------------------------------------------------

    def load_accounts(self, names) -> None:
        """Read the live accounts named like ``names`` (same name key or core key)."""
        keys = {name_key(n) for n in names} - self.accounts.keys() - {""}
        cores = {core_key(n) for n in names} - self.cores.keys() - {""}
        if not keys and not cores:
            return
        found = db.session.execute(
            select(Account.id, Account.name_key, Account.core_key).where(
                Account.deleted_at.is_(None),
                or_(among(Account.name_key, keys), among(Account.core_key, cores)),
            )
        ).all()
        by_key, by_core = {}, {}
        for row in found:
            by_key.setdefault(row.name_key, []).append(row.id)
            by_core.setdefault(row.core_key, []).append(row.id)
        for key in keys:
            ids = by_key.get(key, [])
            self.accounts[key] = ids[0] if len(ids) == 1 else AMBIGUOUS if ids else None
        for core in cores:
            ids = by_core.get(core, [])
            self.cores[core] = ids[0] if len(ids) == 1 else AMBIGUOUS if ids else None

    def account(self, name: str, column: str, owner_id: int, *, create: bool = True):
        """The account a name means: the same name, else the only account with the same name
        without legal form (``names.core_key``); else a new account (``create``), else None."""
        key, core = name_key(name), core_key(name)
        found = self.accounts.get(key)
        if found is None:
            found = self.cores.get(core)
        if found is AMBIGUOUS:
            raise Rejected(
                column, _("Several accounts are named like “%(name)s”: rename one.", name=name)
            )
        if found is not None or not create:
            return found
        account = NewRow(
            {"name": name[:200], "name_key": key, "core_key": core, "owner_id": owner_id}
        )
        self.accounts[key] = account
        self.cores.setdefault(core, account)
        return account

    def load_contacts(self, emails, names) -> None:
        """Read live contacts by email and by (account, full name key) for a batch."""
        emails = {folded(e) for e in emails} - self.contacts_by_email.keys()
        names = {pair for pair in names if pair not in self.contacts_by_name}
        if emails:
            found = {}
            for cid, email in db.session.execute(
                select(Contact.id, Contact.email)
                .where(among(Contact.email, emails), Contact.deleted_at.is_(None))
                .order_by(Contact.id)
            ):
                found.setdefault(folded(email), cid)
            for email in emails:
                self.contacts_by_email[email] = found.get(email)
        if names:
            accounts = {account for account, _key in names}
            found = {}
            # By account only (an index range per account), the names matched here: an IN
            # on both columns makes SQLite probe every (account, name) combination.
            for cid, account, key in db.session.execute(
                select(Contact.id, Contact.account_id, Contact.name_key)
                .where(among(Contact.account_id, accounts), Contact.deleted_at.is_(None))
                .order_by(Contact.id)
            ):
                if (account, key) in names:
                    found.setdefault((account, key), cid)
            for pair in names:
                self.contacts_by_name[pair] = found.get(pair)

    def contact(self, text: str, account, owner_id: int, *, create: bool = True):
        """The contact a cell names: by email, else by full name within the account; else a
        new contact (last word: last name) in that account."""
        if "@" in text and " " not in text.strip():
            found = self.contacts_by_email.get(folded(text))
            if found is not None or not create:
                return found
            local = text.split("@")[0]
            contact = NewRow(_contact_values("", local, account, owner_id, email=text.strip()))
            self.contacts_by_email[folded(text)] = contact
            return contact
        first, _space, last = text.strip().rpartition(" ")
        key = contact_key(first, last)
        account_key = account if isinstance(account, int) else id(account)
        found = self.contacts_by_name.get((account_key, key))
        if found is not None or not create:
            return found
        contact = NewRow(_contact_values(first, last, account, owner_id))
        self.contacts_by_name[(account_key, key)] = contact
        return contact


def _contact_values(first, last, account, owner_id, email=None) -> dict:
    return {
        "first_name": first[:120],
        "last_name": last[:120],
        "name_key": contact_key(first, last),
        "email": email,
        "owner_id": owner_id,
        "account": account,  # id, NewRow or None: resolved to account_id at write time
    }
