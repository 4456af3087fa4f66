"""How rows of each record kind are checked and written, a batch at a time.

A writer's ``prepare`` reads what the batch's rows refer to (a query per kind of lookup, not
per row); ``plan`` checks one row and queues its insert or update (raising ``Rejected`` before
queueing anything); ``flush`` writes the queued rows in bulk (``bulk``), keeping what the ORM
path keeps: name keys, versions, board positions, the deal's timeline and first stage history.
The kinds: ``deals`` (opportunities) and ``people`` (accounts, contacts, leads).
"""

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..exports.records import ID_PREFIX
from ..extensions import db
from ..models import Account, Contact
from ..models._base import utcnow
from .bulk import among, insert_returning, write_updates
from .references import NewRow, References, Rejected, row_id


def own_id(external: str) -> int | None:
    """The record id in ``opportuno:<id>``, else None."""
    number = external[len(ID_PREFIX) :] if external.startswith(ID_PREFIX) else ""
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 18 else None


class Writer:
    """Shared by the four record kinds: the run's context, counts and queued writes."""

    model = None
    # Plain columns a file may set (field key == column name).
    columns: tuple[str, ...] = ()
    # The columns of a stored record that checking a row against it reads (None: all).
    reads: tuple[str, ...] | None = None

    def __init__(self, run, refs: References, labels: dict[str, str], *, write: bool, mapped=None):
        self.run, self.refs, self.user = run, refs, refs.user
        self.run_id, self.user_id = run.id, refs.user.id  # read once, not per row
        self.labels = labels  # field key -> header label, for the reasons
        self.write = write
        # Whether the file maps custom fields (``mapped``: its field keys; None: unknown).
        self.custom = mapped is None or any(k.startswith("custom.") for k in mapped)
        self.now = utcnow()
        self.created = self.updated = 0
        self.seen: dict[str, int] = {}  # external id -> line it first appeared on
        self.owner_ids: dict[tuple, int] = {}  # (owner cell, business line) -> user id
        self._reset()

    def _reset(self) -> None:
        self.inserts: list[NewRow] = []
        self.updates: list[dict] = []
        self.existing: dict[str, object] = {}

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    # --- the three steps --------------------------------------------------------------------

    def prepare(self, rows: list[dict]) -> None:
        """Read the records the batch's external ids name: ``opportuno:<id>`` (what our export
        writes for a record without an external id) names the record ``id`` of this database."""
        ids = {v["external_id"] for v in rows if v.get("external_id")}
        own = {n for n in map(own_id, ids) if n is not None}
        table = self.model.__table__
        columns = [c for c in table.c if self.reads is None or c.key in self.reads]
        if not self.custom:  # no JSON to decode for each stored row
            columns = [c for c in columns if c.key != "custom"]
        if ids - {f"{ID_PREFIX}{n}" for n in own}:
            # Trashed rows are skipped here, not in SQL: without statistics (a table filled by
            # this very transaction) PostgreSQL reads "deleted_at IS NULL" as selective and
            # scans the whole table through a deleted_at index instead of the external_id one.
            query = select(*columns).where(among(table.c.external_id, ids)).order_by(table.c.id)
            for row in db.session.execute(query):
                if row.deleted_at is None:
                    self.existing.setdefault(row.external_id, row)
        if own:
            query = select(*columns).where(among(table.c.id, own), table.c.deleted_at.is_(None))
            for row in db.session.execute(query):
                self.existing[f"{ID_PREFIX}{row.id}"] = row

    def plan(self, line: int, values: dict) -> None:
        external = values.get("external_id")
        if external:
            external = external[:120]
            values["external_id"] = external
            if external in self.seen:
                raise Rejected(
                    self.label("external_id"),
                    _(
                        "The external ID “%(id)s” is already on line %(line)s.",
                        id=external,
                        line=self.seen[external],
                    ),
                )
            self.seen[external] = line
        current = self.existing.get(external) if external else None
        if external and own_id(external) is not None:
            del values["external_id"]  # our own id: the record keeps its external id as it is
        if current is None:
            current = self.match(values)
        if current is None:
            row = self.new(values)
            self.inserts.append(row)
            self.created += 1
        else:
            changes = self.changes(current, values)
            if changes:
                self.updates.append({"id": current.id, "current": current, "changes": changes})
                self.updated += 1

    def flush(self) -> None:
        """Write the queued rows (only when the run writes), then forget them."""
        if self.write:
            self.write_inserts()
            self.write_updates()
        self._reset()

    # --- per kind ---------------------------------------------------------------------------

    def match(self, values: dict):
        """An existing record the row describes (after its external id): None by default."""
        return None

    def new(self, values: dict) -> NewRow:
        raise NotImplementedError

    def changes(self, current, values: dict) -> dict:
        """{column: new value} of what the row changes on ``current`` (permission checked)."""
        raise NotImplementedError

    def write_inserts(self) -> None:
        insert_returning(self.model.__table__, self.inserts)

    def write_updates(self) -> None:
        write_updates(self.model.__table__, self.updates, self.now, self.user_id)

    # --- helpers ----------------------------------------------------------------------------

    def plain_changes(self, current, values: dict) -> dict:
        changes = {}
        for key in self.columns:
            if key in values and values[key] != getattr(current, key):
                changes[key] = values[key]
        if not self.custom:
            return changes
        custom = {k[7:]: jsonable(v) for k, v in values.items() if k.startswith("custom.")}
        if custom:
            merged = {**(current.custom or {}), **custom} if hasattr(current, "custom") else None
            if merged is not None and merged != (current.custom or {}):
                changes["custom"] = merged
        return changes

    def base_values(self, values: dict) -> dict:
        row = {key: values.get(key) for key in self.columns}
        row.update(
            external_id=values.get("external_id"),
            import_run_id=self.run_id,
            created_at=self.now,
            updated_at=self.now,
        )
        return row

    def resolve_owner(self, values: dict, business_line_id=None) -> int:
        key = (values.get("owner"), business_line_id)
        owner_id = self.owner_ids.get(key)
        if owner_id is None:  # refused owners are not kept: each of their rows is refused
            owner_id = self.refs.owner(key[0], self.label("owner"), business_line_id).id
            self.owner_ids[key] = owner_id
        return owner_id

    def write_new_accounts(self, accounts) -> None:
        rows = [a for a in dict.fromkeys(accounts) if isinstance(a, NewRow) and a.id is None]
        for row in rows:
            row.values.update(import_run_id=self.run_id, created_at=self.now, updated_at=self.now)
        insert_returning(Account.__table__, rows)

    def write_new_contacts(self, contacts) -> None:
        rows = [c for c in dict.fromkeys(contacts) if isinstance(c, NewRow) and c.id is None]
        for row in rows:
            row.values["account_id"] = row_id(row.values.pop("account", None))
            row.values.update(import_run_id=self.run_id, created_at=self.now, updated_at=self.now)
        insert_returning(Contact.__table__, rows)


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def current_row(model, found):
    """The stored row of an id the lookups found (None passes through)."""
    if found is None:
        return None
    return db.session.execute(select(model.__table__).where(model.id == found)).one()
