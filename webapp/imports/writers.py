"""How rows of each record kind are checked and written, a batch at a time.

A writer's ``prepare`` reads what the batch's rows refer to (a query per kind of lookup, not
per row); ``plan`` checks one row and queues its insert or update (raising ``Rejected`` before
queueing anything); ``flush`` writes the queued rows with batched Core statements (executemany,
insertmanyvalues with RETURNING for the ids), keeping what the ORM path keeps: name keys,
versions, board positions, the deal's timeline and first stage history row.
"""

from decimal import Decimal
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import bindparam, func, insert, select, text, update

from .. import permissions
from ..accounts.services import can_edit_account
from ..contacts.services import can_edit_contact
from ..extensions import db
from ..leads.services import can_convert_lead
from ..models import (
    Account,
    Contact,
    Lead,
    Opportunity,
    OpportunityContact,
    StageHistory,
    Tag,
    TimelineEntry,
    opportunity_tags,
)
from ..models._base import utcnow
from ..models.lead import LEAD_STATUSES
from ..timeline.services import display
from .references import (
    NewRow,
    References,
    Rejected,
    contact_key,
    core_key,
    name_key,
    row_id,
)

STATUS_WORDS = {
    "open": "open", "aperta": "open", "aperto": "open", "in corso": "open",
    "won": "won", "vinta": "won", "vinto": "won", "closed won": "won",
    "lost": "lost", "persa": "lost", "perso": "lost", "closed lost": "lost",
}  # fmt: skip


class Writer:
    """Shared by the four record kinds: the run's context, counts and queued writes."""

    model = None
    # Plain columns a file may set (field key == column name).
    columns: tuple[str, ...] = ()

    def __init__(self, run, refs: References, labels: dict[str, str], *, write: bool):
        self.run, self.refs, self.user = run, refs, refs.user
        self.labels = labels  # field key -> header label, for the reasons
        self.write = write
        self.now = utcnow()
        self.created = self.updated = 0
        self.seen: dict[str, int] = {}  # external id -> line it first appeared on
        self._reset()

    def _reset(self) -> None:
        self.inserts: list[NewRow] = []
        self.updates: list[dict] = []
        self.existing: dict[str, object] = {}

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    # --- the three steps --------------------------------------------------------------------

    def prepare(self, rows: list[dict]) -> None:
        """Read the records the batch's external ids name."""
        ids = {v["external_id"] for v in rows if v.get("external_id")}
        if ids:
            table = self.model.__table__
            query = (
                select(table)
                .where(table.c.external_id.in_(ids), table.c.deleted_at.is_(None))
                .order_by(table.c.id)
            )
            for row in db.session.execute(query):
                self.existing.setdefault(row.external_id, row)

    def plan(self, line: int, values: dict) -> None:
        external = values.get("external_id")
        if external:
            external = external[:120]
            values["external_id"] = external
            if external in self.seen:
                raise Rejected(
                    self.label("external_id"),
                    f"The external ID “{external}” is already on line {self.seen[external]}.",
                )
            self.seen[external] = line
        current = self.existing.get(external) if external else None
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
        _insert_returning(self.model.__table__, self.inserts)

    def write_updates(self) -> None:
        _write_updates(self.model.__table__, self.updates, self.now, self.user.id)

    # --- helpers ----------------------------------------------------------------------------

    def plain_changes(self, current, values: dict) -> dict:
        changes = {}
        for key in self.columns:
            if key in values and values[key] != getattr(current, key):
                changes[key] = values[key]
        custom = {k[7:]: _jsonable(v) for k, v in values.items() if k.startswith("custom.")}
        if custom:
            merged = {**(current.custom or {}), **custom} if hasattr(current, "custom") else None
            if merged is not None and merged != (current.custom or {}):
                changes["custom"] = merged
        return changes

    def base_values(self, values: dict) -> dict:
        row = {key: values.get(key) for key in self.columns}
        row.update(
            external_id=values.get("external_id"),
            import_run_id=self.run.id,
            created_at=self.now,
            updated_at=self.now,
        )
        return row

    def resolve_owner(self, values: dict, business_line_id=None) -> int:
        return self.refs.owner(values.get("owner"), self.label("owner"), business_line_id).id

    def write_new_accounts(self, accounts) -> None:
        rows = [a for a in dict.fromkeys(accounts) if isinstance(a, NewRow) and a.id is None]
        for row in rows:
            row.values.update(import_run_id=self.run.id, created_at=self.now, updated_at=self.now)
        _insert_returning(Account.__table__, rows)

    def write_new_contacts(self, contacts) -> None:
        rows = [c for c in dict.fromkeys(contacts) if isinstance(c, NewRow) and c.id is None]
        for row in rows:
            row.values["account_id"] = row_id(row.values.pop("account", None))
            row.values.update(import_run_id=self.run.id, created_at=self.now, updated_at=self.now)
        _insert_returning(Contact.__table__, rows)


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _insert_returning(table, rows: list[NewRow]) -> None:
    """INSERT the rows in one executemany and give each its new id.

    PostgreSQL: the ids are taken from the table's sequence first (one query) and inserted
    with the rows. SQLite: the rows get consecutive rowids (one writer; the transaction holds
    the write lock from this insert to its commit), read back as the highest id.
    """
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        ids = db.session.scalars(
            text(f"SELECT nextval({sequence}) FROM generate_series(1, :n)"), {"n": len(rows)}
        ).all()
        for row, new_id in zip(rows, ids, strict=True):
            row.values["id"] = new_id
    first = rows[0].values.keys()
    if all(row.values.keys() == first for row in rows):
        params = [row.values for row in rows]
    else:
        keys = sorted({key for row in rows for key in row.values})
        params = [{key: row.values.get(key) for key in keys} for row in rows]
    if dialect == "postgresql":
        _executemany(table, params)
        for row in rows:
            row.id = row.values["id"]
    elif dialect == "sqlite":
        _executemany(table, params)
        last = db.session.scalar(select(func.max(table.c.id)))
        for row, new_id in zip(rows, range(last - len(rows) + 1, last + 1), strict=True):
            row.id = new_id
    else:
        result = db.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), params
        )
        for row, new_id in zip(rows, result.scalars(), strict=True):
            row.id = new_id


def _write_updates(table, updates: list[dict], now, user_id, *, versioned=False) -> None:
    """UPDATE each changed row (grouped by the set of columns changed: one executemany each)."""
    groups: dict[tuple, list[dict]] = {}
    for item in updates:
        changes = dict(item["changes"])
        changes.pop("_tags", None)
        changes.pop("_stage", None)
        groups.setdefault(tuple(sorted(changes)), []).append({"_id": item["id"], **changes})
    for keys, params in groups.items():
        values = {key: bindparam(key) for key in keys}
        values["updated_at"] = now
        if versioned:
            values["version"] = table.c.version + 1
            values["updated_by_id"] = user_id
        db.session.execute(
            update(table).where(table.c.id == bindparam("_id")).values(values),
            params,
            execution_options={"synchronize_session": False},
        )


# --- deals ----------------------------------------------------------------------------------


class DealWriter(Writer):
    model = Opportunity
    columns = ("name", "amount", "currency", "close_date", "description")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.positions: dict[int, int] = {}  # stage id -> next top position
        self.may_create: dict[int, bool] = {}  # business line id -> allowed
        self.manages: dict[int, bool] = {}

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        self.current_tags: dict[int, set] = {}
        ids = [row.id for row in self.existing.values()]
        if ids and any("tags" in v for v in rows):
            links = opportunity_tags.c
            query = select(links.opportunity_id, links.tag_id).where(links.opportunity_id.in_(ids))
            for opp, tag in db.session.execute(query):
                self.current_tags.setdefault(opp, set()).add(tag)
        self.refs.load_accounts({v["account"] for v in rows if v.get("account")})
        emails = {v["contact"] for v in rows if "@" in (v.get("contact") or "")}
        self.refs.load_contacts(emails, self._contact_names(rows))

    def _contact_names(self, rows) -> set:
        names = set()
        for v in rows:
            text, account = v.get("contact"), v.get("account")
            if text and "@" not in text and account:
                found = self.refs.accounts.get(name_key(account))
                found = found if found is not None else self.refs.cores.get(core_key(account))
                if isinstance(found, int):
                    first, _, last = text.strip().rpartition(" ")
                    names.add((found, contact_key(first, last)))
        return names

    def _status(self, values: dict):
        text = values.get("status")
        if not text:
            return None
        status = STATUS_WORDS.get(" ".join(text.split()).casefold())
        if status is None:
            raise Rejected(self.label("status"), f"Unknown status “{text}”: open, won or lost.")
        return status

    def _stage(self, pipeline, values: dict):
        stage = self.refs.stage(pipeline, values.get("stage"), self.label("stage"))
        status = self._status(values)
        if stage is None or (status and status != "open" and stage.kind == "open"):
            stage = pipeline.stage_of_kind(status or "open")
        if stage is None:
            raise Rejected(self.label("stage"), f"The pipeline “{pipeline.name}” has no stage.")
        if status and stage.kind != status:
            raise Rejected(
                self.label("status"), f"The stage “{stage.name}” does not match the status."
            )
        return stage

    def _money(self, values: dict) -> None:
        if "currency" in values:
            currency = values["currency"].strip().upper()
            if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
                raise Rejected(self.label("currency"), "A currency is a 3-letter code (EUR).")
            values["currency"] = currency
        amount = values.get("amount")
        if amount is not None and not (0 <= amount < Decimal("1e12")):
            raise Rejected(self.label("amount"), "The amount must be between 0 and 999 billion.")
        probability = values.get("probability")
        if probability is not None and not (0 <= probability <= 100):
            raise Rejected(self.label("probability"), "The probability is between 0 and 100.")
        if values.get("name"):
            values["name"] = values["name"][:200]

    def new(self, values: dict) -> NewRow:
        if not values.get("name"):
            raise Rejected(self.label("name"), "This field is required.")
        self._money(values)
        pipeline = self.refs.pipeline(values.get("pipeline"), self.label("pipeline"))
        stage = self._stage(pipeline, values)
        line = pipeline.business_line_id
        if line not in self.may_create:
            self.may_create[line] = permissions.can_create_in(self.user, line)
        if not self.may_create[line]:
            raise Rejected(None, "You may not create deals in this business line.")
        owner_id = self.resolve_owner(values, line)
        source = self.refs.source(values.get("source"), self.label("source"))
        reason = self.refs.lost_reason(values.get("lost_reason"), self.label("lost_reason"))
        account = contact = None
        if values.get("account"):
            account = self.refs.account(values["account"], self.label("account"), owner_id)
        if values.get("contact"):
            contact = self.refs.contact(values["contact"], account, owner_id)
        tags = self.refs.tag_refs(values.get("tags") or [])
        probability = values.get("probability")
        amount = values.get("amount") or Decimal(0)
        row = self.base_values(values)
        row.update(
            amount=amount,
            amount_manual=amount > 0,
            currency=values.get("currency") or "EUR",
            owner_id=owner_id,
            business_line_id=line,
            pipeline_id=pipeline.id,
            stage_id=stage.id,
            status=stage.kind,
            probability=stage.probability if probability is None else int(probability),
            probability_overridden=probability is not None,
            position=self._top(stage.id),
            source_id=source,
            lost_reason_id=reason if stage.kind == "lost" else None,
            closed_at=self.now if stage.kind != "open" else None,
            stage_entered_at=self.now,
            created_by_id=self.user.id,
            updated_by_id=self.user.id,
            version=1,
            custom=self._custom(values) or None,
        )
        row["_account"], row["_contact"], row["_tags"], row["_stage"] = (
            account,
            contact,
            tags,
            stage,
        )
        return NewRow(row)

    @staticmethod
    def _custom(values: dict) -> dict:
        return {k[7:]: _jsonable(v) for k, v in values.items() if k.startswith("custom.")}

    def _top(self, stage_id: int) -> int:
        """New deals go on top of their column, as a deal created on a page does."""
        if stage_id not in self.positions:
            lowest = db.session.scalar(
                select(func.min(Opportunity.position)).where(
                    Opportunity.stage_id == stage_id, Opportunity.status == "open"
                )
            )
            self.positions[stage_id] = lowest or 0
        self.positions[stage_id] -= 1
        return self.positions[stage_id]

    def changes(self, current, values: dict) -> dict:
        line = current.business_line_id
        if line not in self.manages:
            self.manages[line] = permissions.manages(self.user, line)
        if not (self.manages[line] or permissions.can_edit(self.user, current)):
            raise Rejected(None, "You may not edit this deal: it belongs to someone else.")
        if (
            values.get("pipeline")
            and self.refs.pipeline(values["pipeline"], self.label("pipeline")).id
            != current.pipeline_id
        ):
            raise Rejected(
                self.label("pipeline"), "An import does not move deals to another pipeline."
            )
        if "name" in values and not values["name"]:
            raise Rejected(self.label("name"), "This field is required.")
        self._money(values)
        changes = self.plain_changes(current, values)
        if "amount" in changes:
            changes["amount_manual"] = changes["amount"] > 0
        if values.get("owner"):
            owner_id = self.resolve_owner(values, current.business_line_id)
            if owner_id != current.owner_id:
                changes["owner_id"] = owner_id
        if values.get("stage") or values.get("status"):
            pipelines = self.refs.pipelines.values()
            pipeline = next((p for p in pipelines if p.id == current.pipeline_id), None)
            if pipeline is None:
                raise Rejected(self.label("stage"), "You may not use this deal's pipeline.")
            stage = self._stage(pipeline, values)
            if stage.id != current.stage_id:
                changes.update(
                    stage_id=stage.id,
                    status=stage.kind,
                    stage_entered_at=self.now,
                    closed_at=self.now if stage.kind != "open" else None,
                    _stage=(current.stage_id, stage),
                )
                if not current.probability_overridden:
                    changes["probability"] = stage.probability
        if values.get("probability") is not None:
            probability = int(values["probability"])
            if probability != current.probability or not current.probability_overridden:
                changes.update(probability=probability, probability_overridden=True)
        for key, column, lookup in (
            ("source", "source_id", self.refs.source),
            ("lost_reason", "lost_reason_id", self.refs.lost_reason),
        ):
            if values.get(key):
                found = lookup(values[key], self.label(key))
                if found != getattr(current, column):
                    changes[column] = found
        if values.get("account"):
            account = self.refs.account(values["account"], self.label("account"), current.owner_id)
            if not isinstance(account, int) or account != current.account_id:
                changes["account_id"] = account
        if "tags" in values:
            tags = self.refs.tag_refs(values["tags"])
            if {row_id(t) for t in tags} != self.current_tags.get(current.id, set()):
                changes["_tags"] = tags
        return changes

    def write_inserts(self) -> None:
        rows = self.inserts
        tags = [t for row in rows for t in row.values["_tags"]]
        tags += [t for u in self.updates for t in u["changes"].get("_tags", [])]
        _insert_returning(
            Tag.__table__,
            [t for t in dict.fromkeys(tags) if isinstance(t, NewRow) and t.id is None],
        )
        accounts = [r.values["_account"] for r in rows]
        accounts += [u["changes"].get("account_id") for u in self.updates]
        self.write_new_accounts(accounts)
        self.write_new_contacts([r.values["_contact"] for r in rows])
        extras = [
            {k: row.values.pop(k) for k in ("_account", "_contact", "_tags", "_stage")}
            for row in rows
        ]
        for row, extra in zip(rows, extras, strict=True):
            row.values["account_id"] = row_id(extra["_account"])
            row.values["primary_contact_id"] = row_id(extra["_contact"])
        _insert_returning(Opportunity.__table__, rows)
        history, timeline, tag_links, contact_links = [], [], [], []
        for row, extra in zip(rows, extras, strict=True):
            opp_id, stage = row.id, extra["_stage"]
            history.append(
                {"opportunity_id": opp_id, "stage_id": stage.id, "entered_at": self.now,
                 "left_at": None, "user_id": self.user.id}
            )  # fmt: skip
            timeline.append(
                self._entry(opp_id, "created", None, None, row.values["name"],
                            f"Created in {stage.name} by the import of {self.run.filename}")
            )  # fmt: skip
            tag_links += [{"opportunity_id": opp_id, "tag_id": t.id if isinstance(t, NewRow) else t}
                          for t in extra["_tags"]]  # fmt: skip
            if row.values["primary_contact_id"]:
                contact_links.append(
                    {"opportunity_id": opp_id, "contact_id": row.values["primary_contact_id"],
                     "role": "other"}
                )  # fmt: skip
        _executemany(StageHistory.__table__, history)
        _executemany(TimelineEntry.__table__, timeline)
        _executemany(opportunity_tags, tag_links)
        _executemany(OpportunityContact.__table__, contact_links)

    def _entry(self, opp_id, action, field, old, new, message=None) -> dict:
        return {
            "opportunity_id": opp_id, "user_id": self.user.id, "created_at": self.now,
            "action": action, "field": field, "old_value": display(old),
            "new_value": display(new), "message": message,
        }  # fmt: skip

    def write_updates(self) -> None:
        if not self.updates:
            return
        timeline, history, closed = [], [], []
        tag_ids = {}
        for item in self.updates:
            changes, current = item["changes"], item["current"]
            if "account_id" in changes:
                changes["account_id"] = row_id(changes["account_id"])
            for key, new in changes.items():
                if key.startswith("_") or key in (
                    "amount_manual",
                    "probability_overridden",
                    "stage_entered_at",
                    "closed_at",
                    "status",
                ):
                    continue  # fmt: skip
                timeline.append(self._entry(item["id"], "updated", key, getattr(current, key), new))
            if "_stage" in changes:
                old_stage, stage = changes["_stage"]
                closed.append({"_opp": item["id"], "_stage": old_stage})
                history.append(
                    {"opportunity_id": item["id"], "stage_id": stage.id, "entered_at": self.now,
                     "left_at": None, "user_id": self.user.id}
                )  # fmt: skip
            if "_tags" in changes:
                tag_ids[item["id"]] = {row_id(t) for t in changes["_tags"]}
        if tag_ids:
            self._replace_tags(tag_ids, timeline)
        real = [u for u in self.updates if any(not k.startswith("_") for k in u["changes"])]
        _write_updates(Opportunity.__table__, real, self.now, self.user.id, versioned=True)
        tag_only = [u["id"] for u in self.updates if u not in real and u["id"] in tag_ids]
        if tag_only:
            db.session.execute(
                update(Opportunity.__table__)
                .where(Opportunity.id.in_(tag_only))
                .values(version=Opportunity.version + 1, updated_at=self.now,
                        updated_by_id=self.user.id)
            )  # fmt: skip
        if closed:
            history_table = StageHistory.__table__
            db.session.execute(
                update(history_table)
                .where(
                    history_table.c.opportunity_id == bindparam("_opp"),
                    history_table.c.stage_id == bindparam("_stage"),
                    history_table.c.left_at.is_(None),
                )
                .values(left_at=self.now),
                closed,
                execution_options={"synchronize_session": False},
            )
        _executemany(StageHistory.__table__, history)
        _executemany(TimelineEntry.__table__, timeline)

    def _replace_tags(self, tag_ids: dict[int, set], timeline: list) -> None:
        """Set each deal's tags to the listed ones (unchanged sets are left alone)."""
        have: dict[int, set] = {opp: set() for opp in tag_ids}
        for opp, tag in db.session.execute(
            select(opportunity_tags.c.opportunity_id, opportunity_tags.c.tag_id).where(
                opportunity_tags.c.opportunity_id.in_(tag_ids)
            )
        ):
            have[opp].add(tag)
        changed = {opp for opp, tags in tag_ids.items() if tags != have[opp]}
        for item in self.updates:
            if item["id"] in tag_ids and item["id"] not in changed:
                item["changes"].pop("_tags", None)
        if not changed:
            return
        db.session.execute(
            opportunity_tags.delete().where(opportunity_tags.c.opportunity_id.in_(changed))
        )
        _executemany(
            opportunity_tags,
            [{"opportunity_id": o, "tag_id": t} for o in changed for t in tag_ids[o]],
        )
        names = dict(db.session.execute(select(Tag.id, Tag.name)).all()) if changed else {}
        for opp in changed:
            old = ", ".join(sorted(names[t] for t in have[opp])) or None
            new = ", ".join(sorted(names[t] for t in tag_ids[opp])) or None
            timeline.append(self._entry(opp, "updated", "tags", old, new))


def _executemany(table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys) in one DBAPI executemany.

    The statement and its bind processors (dates, numbers, JSON: exactly what SQLAlchemy
    applies) are compiled once per table and set of columns; the rows then go to the driver
    as they are, without SQLAlchemy's per-row parameter handling (most of the time of a
    large Core executemany). Columns with a Python-side default get it as Core would."""
    if not rows:
        return
    connection = db.session.connection()
    keys = tuple(rows[0])
    sql, names, processors, defaults = _statement(connection.dialect, table, keys)
    if defaults:
        fill = {key: default() for key, default in defaults}
        rows = [{**fill, **row} for row in rows]
    get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    processed = [(i, p) for i, p in enumerate(processors) if p is not None]
    params = []
    for row in rows:
        values = get(row)
        if processed:
            values = list(values)
            for i, process in processed:
                values[i] = process(values[i])
            values = tuple(values)
        params.append(values)
    if connection.dialect.name == "postgresql":
        _copy(connection, table, names, params)
    elif connection.dialect.positional:
        connection.exec_driver_sql(sql, params)
    else:
        connection.exec_driver_sql(sql, [dict(zip(names, v, strict=True)) for v in params])


def _copy(connection, table, names: list[str], rows: list[tuple]) -> None:
    """PostgreSQL: the rows through COPY, in the connection's transaction (an executemany
    sends one statement per row)."""
    preparer = connection.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(table.c[n].name) for n in names)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


_STATEMENTS: dict[tuple, tuple] = {}


def _statement(dialect, table, keys: tuple) -> tuple:
    cache_key = (dialect.name, table.name, keys)
    if cache_key not in _STATEMENTS:
        defaults = [
            (c.key, _default(c.default))
            for c in table.columns
            if c.key not in keys and c.default is not None and not c.primary_key
        ]
        columns = [*keys, *(key for key, _d in defaults)]
        statement = insert(table).values({k: bindparam(k, type_=table.c[k].type) for k in columns})
        compiled = statement.compile(dialect=dialect)
        names = list(compiled.positiontup) if dialect.positional else list(compiled.binds)
        binds = compiled.binds
        processors = [_remembered(binds[n].type._cached_bind_processor(dialect)) for n in names]
        _STATEMENTS[cache_key] = (compiled.string, names, processors, defaults)
    return _STATEMENTS[cache_key]


def _remembered(process):
    """A bind processor that converts each repeated value once (the run's timestamp on every
    row, the same stage or date): values that cannot be hashed (JSON) are converted each time."""
    if process is None:
        return None
    remember = lru_cache(maxsize=4096)(process)

    def convert(value):
        try:
            return remember(value)
        except TypeError:
            return process(value)

    return convert


def _default(default):
    """A column's Python-side default as a function of nothing."""
    if default.is_callable:
        return lambda: default.arg(None)
    return lambda: default.arg


# --- accounts, contacts, leads --------------------------------------------------------------


class AccountWriter(Writer):
    model = Account
    columns = ("name", "industry", "website", "phone", "email", "address", "city", "country",
               "description")  # fmt: skip

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        self.refs.load_accounts({v["name"] for v in rows if v.get("name")})

    def match(self, values: dict):
        if not values.get("name"):
            raise Rejected(self.label("name"), "This field is required.")
        found = self.refs.account(values["name"], self.label("name"), 0, create=False)
        if isinstance(found, NewRow):
            raise Rejected(
                self.label("name"), f"The account “{values['name']}” is already in the file."
            )
        if found is not None:
            del values["name"]  # matched by its name: the name as stored stays
        return _current(Account, found)

    def new(self, values: dict) -> NewRow:
        owner_id = self.resolve_owner(values)
        row = self.base_values(values)
        row.update(name=values["name"][:200], name_key=name_key(values["name"]),
                   core_key=core_key(values["name"]), owner_id=owner_id)  # fmt: skip
        new = NewRow(row)
        self.refs.accounts[row["name_key"]] = new
        self.refs.cores.setdefault(row["core_key"], new)
        return new

    def changes(self, current, values: dict) -> dict:
        if not can_edit_account(self.user, current):
            raise Rejected(None, "You may not edit this account: it belongs to someone else.")
        changes = self.plain_changes(current, values)
        if "name" in changes:
            changes.update(name_key=name_key(changes["name"]), core_key=core_key(changes["name"]))
        if values.get("owner"):
            owner_id = self.resolve_owner(values)
            if owner_id != current.owner_id:
                changes["owner_id"] = owner_id
        return changes


class ContactWriter(Writer):
    model = Contact
    columns = ("first_name", "last_name", "email", "phone", "mobile", "title", "notes")

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        self.refs.load_accounts({v["account"] for v in rows if v.get("account")})
        names = set()
        for v in rows:
            account = v.get("account") and self.refs.accounts.get(name_key(v["account"]))
            if isinstance(account, int):
                names.add((account, contact_key(v.get("first_name"), v.get("last_name"))))
        self.refs.load_contacts({v["email"] for v in rows if v.get("email")}, names)

    def match(self, values: dict):
        if not values.get("last_name"):
            raise Rejected(self.label("last_name"), "This field is required.")
        values["_account"] = None
        if values.get("account"):
            owner = self.refs.owner(values.get("owner"), self.label("owner"), None).id
            values["_account"] = self.refs.account(values["account"], self.label("account"), owner)
        found = None
        if values.get("email"):
            found = self.refs.contacts_by_email.get(values["email"].casefold())
        if found is None and isinstance(values["_account"], int):
            key = contact_key(values.get("first_name"), values["last_name"])
            found = self.refs.contacts_by_name.get((values["_account"], key))
        if isinstance(found, NewRow):
            raise Rejected(self.label("last_name"), "This person is already in the file.")
        return _current(Contact, found)

    def new(self, values: dict) -> NewRow:
        owner_id = self.resolve_owner(values)
        row = self.base_values(values)
        row.update(first_name=(values.get("first_name") or "")[:120],
                   last_name=values["last_name"][:120], owner_id=owner_id,
                   name_key=contact_key(values.get("first_name"), values["last_name"]),
                   account=values["_account"])  # fmt: skip
        new = NewRow(row)
        if values.get("email"):
            self.refs.contacts_by_email[values["email"].casefold()] = new
        if isinstance(values["_account"], int):
            self.refs.contacts_by_name[(values["_account"], row["name_key"])] = new
        return new

    def changes(self, current, values: dict) -> dict:
        if not can_edit_contact(self.user, current):
            raise Rejected(None, "You may not edit this contact: it belongs to someone else.")
        changes = self.plain_changes(current, values)
        if "first_name" in changes or "last_name" in changes:
            changes["name_key"] = contact_key(
                changes.get("first_name", current.first_name),
                changes.get("last_name", current.last_name),
            )
        account = values.get("_account")
        if account is not None and account != current.account_id:
            changes["account_id"] = account
        if values.get("owner"):
            owner_id = self.resolve_owner(values)
            if owner_id != current.owner_id:
                changes["owner_id"] = owner_id
        return changes

    def write_inserts(self) -> None:
        accounts = [r.values.get("account") for r in self.inserts]
        accounts += [u["changes"].get("account_id") for u in self.updates]
        self.write_new_accounts(accounts)
        for u in self.updates:
            if "account_id" in u["changes"]:
                u["changes"]["account_id"] = row_id(u["changes"]["account_id"])
        self.write_new_contacts(self.inserts)


class LeadWriter(Writer):
    model = Lead
    columns = ("first_name", "last_name", "company", "email", "phone", "title", "description")

    def prepare(self, rows: list[dict]) -> None:
        super().prepare(rows)
        emails = {v["email"] for v in rows if v.get("email")}
        self.by_email = {}
        if emails:
            for lead_row in db.session.execute(
                select(Lead.__table__)
                .where(Lead.email.in_(emails), Lead.deleted_at.is_(None))
                .order_by(Lead.id)
            ):
                self.by_email.setdefault(lead_row.email, lead_row)

    def _status(self, values: dict):
        text = values.get("status")
        if not text:
            return None
        status = " ".join(text.split()).casefold()
        if status not in LEAD_STATUSES or status == "converted":
            raise Rejected(self.label("status"), f"Unknown lead status “{text}”.")
        return status

    def match(self, values: dict):
        if not values.get("last_name"):
            raise Rejected(self.label("last_name"), "This field is required.")
        return self.by_email.get(values.get("email")) if values.get("email") else None

    def new(self, values: dict) -> NewRow:
        row = self.base_values(values)
        lines = sorted(self.user.business_line_ids)
        row.update(first_name=(values.get("first_name") or "")[:120],
                   last_name=values["last_name"][:120], owner_id=self.resolve_owner(values),
                   source_id=self.refs.source(values.get("source"), self.label("source")),
                   status=self._status(values) or "new",
                   business_line_id=lines[0] if lines else None)  # fmt: skip
        return NewRow(row)

    def changes(self, current, values: dict) -> dict:
        if not can_convert_lead(self.user, current):
            raise Rejected(None, "You may not change this lead.")
        changes = self.plain_changes(current, values)
        status = self._status(values)
        if status and status != current.status:
            changes["status"] = status
        if values.get("source"):
            source = self.refs.source(values["source"], self.label("source"))
            if source != current.source_id:
                changes["source_id"] = source
        if values.get("owner"):
            owner_id = self.resolve_owner(values)
            if owner_id != current.owner_id:
                changes["owner_id"] = owner_id
        return changes


def _current(model, found):
    """The stored row of an id the lookups found (None passes through)."""
    if found is None:
        return None
    return db.session.execute(select(model.__table__).where(model.id == found)).one()


WRITERS = {
    "opportunity": DealWriter,
    "account": AccountWriter,
    "contact": ContactWriter,
    "lead": LeadWriter,
}
