"""The board's stored column totals (table ``board_totals``, model BoardTotal), kept by
database triggers on ``opportunities``.

Every statement that inserts, deletes or changes a deal's status, trash, pipeline, stage,
owner, business line, amount or probability updates the totals in its own transaction,
whichever code wrote it: services, imports, mass actions, plugins, the demo seed or plain SQL.
Amounts are added as whole cents, so the stored sums are exact on SQLite too.

SQLite's batch migrations re-create a table, which drops its triggers: migrations/env.py
calls ``install`` after every upgrade, which (re)creates the triggers and recomputes the
totals from the deals.

Many deals inserted at once (an import) are counted once per statement, not once per row:
on PostgreSQL the insert and delete triggers are statement-level and read the statement's
rows as a table; on SQLite (row triggers only) ``bulk_insert`` sets a flag row that the insert
trigger's condition reads (in the writer's transaction: other connections never see it) and
adds the new deals' totals in one statement afterwards.
"""

from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

TABLE = "board_totals"
PAUSED = "board_totals_paused"  # a row there: SQLite's insert trigger leaves the totals alone
CENT = Decimal("0.01")
KEY = ("pipeline_id", "stage_id", "owner_id", "business_line_id")
# The columns whose change moves a deal in or out of a total, or changes its sums.
WATCHED = ("status", "deleted_at", *KEY, "amount", "probability")
TRIGGERS = ("board_totals_insert", "board_totals_delete", "board_totals_update")


def _counted(row: str) -> str:
    return f"{row}.status = 'open' AND {row}.deleted_at IS NULL"


def _cents(row: str, dialect: str) -> str:
    cents = f"ROUND(COALESCE({row}.amount, 0) * 100)"
    return f"CAST({cents} AS INTEGER)" if dialect == "sqlite" else cents


def _sums_sql(dialect: str, source: str = "opportunities", where: str = "") -> str:
    """The totals of the deals of ``source`` (a table) that ``where`` keeps, by key."""
    cents = _cents("o", dialect)
    key = ", ".join(f"o.{k}" for k in KEY)
    return f"""
SELECT {key}, count(*) AS deals, sum({cents}) AS amount_cents,
  sum({cents} * o.probability) AS weighted_cents
FROM {source} AS o WHERE {_counted("o")}{where}
GROUP BY {key} ORDER BY {key}"""


_ADDED = f"""
ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET deals = {TABLE}.deals + EXCLUDED.deals,
  amount_cents = {TABLE}.amount_cents + EXCLUDED.amount_cents,
  weighted_cents = {TABLE}.weighted_cents + EXCLUDED.weighted_cents"""


def _add_sql(dialect: str, source: str = "opportunities", where: str = "") -> str:
    """Add the totals of ``source``'s deals to the stored ones (an upsert per key)."""
    # SQLite's parser needs a WHERE before ON CONFLICT after a SELECT (the "true").
    body = _sums_sql(dialect, source, where)
    return f"""
INSERT INTO {TABLE} ({", ".join(KEY)}, deals, amount_cents, weighted_cents)
SELECT * FROM ({body}) AS sums WHERE true {_ADDED}"""


def _rebuild_sql(dialect: str) -> str:
    return f"""
INSERT INTO {TABLE} ({", ".join(KEY)}, deals, amount_cents, weighted_cents) {_sums_sql(dialect)}"""


# SQLite: adding goes through an upsert; taking away updates the row (never creates one)
# and deletes it once it counts no deal.
def _sqlite_add(row: str) -> str:
    cents = _cents(row, "sqlite")
    return f"""
  INSERT INTO {TABLE} ({", ".join(KEY)}, deals, amount_cents, weighted_cents)
  SELECT {", ".join(f"{row}.{k}" for k in KEY)}, 1, {cents}, {cents} * {row}.probability
  WHERE {_counted(row)}
  ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET deals = deals + excluded.deals,
    amount_cents = amount_cents + excluded.amount_cents,
    weighted_cents = weighted_cents + excluded.weighted_cents;"""


def _sqlite_take(row: str) -> str:
    cents = _cents(row, "sqlite")
    where = " AND ".join(f"{k} = {row}.{k}" for k in KEY)
    return f"""
  UPDATE {TABLE} SET deals = deals - 1, amount_cents = amount_cents - {cents},
    weighted_cents = weighted_cents - {cents} * {row}.probability
  WHERE {where} AND {_counted(row)};
  DELETE FROM {TABLE} WHERE {where} AND deals = 0;"""


def _sqlite_triggers(pausable: bool) -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    paused = f" AND NOT EXISTS (SELECT 1 FROM {PAUSED})" if pausable else ""
    return [
        f"CREATE TRIGGER board_totals_insert AFTER INSERT ON opportunities "
        f"WHEN {_counted('NEW')}{paused} BEGIN {_sqlite_add('NEW')} END",
        f"CREATE TRIGGER board_totals_delete AFTER DELETE ON opportunities "
        f"WHEN {_counted('OLD')} BEGIN {_sqlite_take('OLD')} END",
        f"CREATE TRIGGER board_totals_update AFTER UPDATE OF {', '.join(WATCHED)} "
        f"ON opportunities WHEN {changed} "
        f"BEGIN {_sqlite_take('OLD')} {_sqlite_add('NEW')} END",
    ]


# PostgreSQL: one function adds a signed change to one key. A deal that changes key takes
# the two rows' locks in key order, so that two opposite moves cannot deadlock.
_PG_CHANGE = f"""
CREATE OR REPLACE FUNCTION board_totals_change(
  p integer, s integer, o integer, b integer, n integer, cents numeric, weighted numeric
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF n > 0 THEN
    INSERT INTO {TABLE} ({", ".join(KEY)}, deals, amount_cents, weighted_cents)
    VALUES (p, s, o, b, n, cents, weighted)
    ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET deals = {TABLE}.deals + EXCLUDED.deals,
      amount_cents = {TABLE}.amount_cents + EXCLUDED.amount_cents,
      weighted_cents = {TABLE}.weighted_cents + EXCLUDED.weighted_cents;
  ELSE
    UPDATE {TABLE} SET deals = deals + n, amount_cents = amount_cents + cents,
      weighted_cents = weighted_cents + weighted
    WHERE pipeline_id = p AND stage_id = s AND owner_id = o AND business_line_id = b;
    DELETE FROM {TABLE}
    WHERE pipeline_id = p AND stage_id = s AND owner_id = o AND business_line_id = b
      AND deals = 0;
  END IF;
END $$"""

_PG_TRACK = f"""
CREATE OR REPLACE FUNCTION board_totals_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was boolean := TG_OP <> 'INSERT' AND OLD.status = 'open' AND OLD.deleted_at IS NULL;
  now_in boolean := TG_OP <> 'DELETE' AND NEW.status = 'open' AND NEW.deleted_at IS NULL;
  old_cents numeric := CASE WHEN TG_OP <> 'INSERT' THEN {_cents("OLD", "postgresql")} END;
  new_cents numeric := CASE WHEN TG_OP <> 'DELETE' THEN {_cents("NEW", "postgresql")} END;
  same_key boolean := TG_OP = 'UPDATE' AND (OLD.pipeline_id, OLD.stage_id, OLD.owner_id,
    OLD.business_line_id) = (NEW.pipeline_id, NEW.stage_id, NEW.owner_id, NEW.business_line_id);
BEGIN
  IF was AND now_in AND same_key THEN
    IF old_cents <> new_cents OR OLD.probability <> NEW.probability THEN
      PERFORM board_totals_change(NEW.pipeline_id, NEW.stage_id, NEW.owner_id,
        NEW.business_line_id, 0, new_cents - old_cents,
        new_cents * NEW.probability - old_cents * OLD.probability);
    END IF;
    RETURN NULL;
  END IF;
  IF now_in AND (NOT was OR (NEW.pipeline_id, NEW.stage_id, NEW.owner_id,
      NEW.business_line_id) < (OLD.pipeline_id, OLD.stage_id, OLD.owner_id,
      OLD.business_line_id)) THEN
    PERFORM board_totals_change(NEW.pipeline_id, NEW.stage_id, NEW.owner_id,
      NEW.business_line_id, 1, new_cents, new_cents * NEW.probability);
    now_in := false;
  END IF;
  IF was THEN
    PERFORM board_totals_change(OLD.pipeline_id, OLD.stage_id, OLD.owner_id,
      OLD.business_line_id, -1, -old_cents, -old_cents * OLD.probability);
  END IF;
  IF now_in THEN
    PERFORM board_totals_change(NEW.pipeline_id, NEW.stage_id, NEW.owner_id,
      NEW.business_line_id, 1, new_cents, new_cents * NEW.probability);
  END IF;
  RETURN NULL;
END $$"""


# Inserted and deleted deals: once per statement, the statement's rows read as a table
# (``REFERENCING``), in key order (the rows' locks too, so that two writers cannot deadlock).
_PG_INSERTED = f"""
CREATE OR REPLACE FUNCTION board_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {_add_sql("postgresql", "new_deals")};
  RETURN NULL;
END $$"""

_PG_DELETED = f"""
CREATE OR REPLACE FUNCTION board_totals_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM {TABLE} AS t JOIN ({_sums_sql("postgresql", "old_deals")}) AS d
    USING ({", ".join(KEY)}) ORDER BY {", ".join(f"t.{k}" for k in KEY)} FOR UPDATE OF t;
  UPDATE {TABLE} AS t SET deals = t.deals - d.deals,
    amount_cents = t.amount_cents - d.amount_cents,
    weighted_cents = t.weighted_cents - d.weighted_cents
  FROM ({_sums_sql("postgresql", "old_deals")}) AS d
  WHERE {" AND ".join(f"t.{k} = d.{k}" for k in KEY)};
  DELETE FROM {TABLE} WHERE deals = 0;
  RETURN NULL;
END $$"""


def _pg_triggers() -> list[str]:
    return [
        _PG_CHANGE,
        _PG_TRACK,
        _PG_INSERTED,
        _PG_DELETED,
        "CREATE TRIGGER board_totals_insert AFTER INSERT ON opportunities "
        "REFERENCING NEW TABLE AS new_deals "
        "FOR EACH STATEMENT EXECUTE FUNCTION board_totals_inserted()",
        "CREATE TRIGGER board_totals_delete AFTER DELETE ON opportunities "
        "REFERENCING OLD TABLE AS old_deals "
        "FOR EACH STATEMENT EXECUTE FUNCTION board_totals_deleted()",
        f"CREATE TRIGGER board_totals_update AFTER UPDATE OF {', '.join(WATCHED)} "
        "ON opportunities FOR EACH ROW EXECUTE FUNCTION board_totals_track()",
    ]


def uninstall(conn: Connection) -> None:
    """Drop the triggers (the table stays)."""
    if conn.dialect.name == "postgresql":
        for name in TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON opportunities"))
        for function in ("board_totals_track", "board_totals_inserted", "board_totals_deleted"):
            conn.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))
        conn.execute(
            text(
                "DROP FUNCTION IF EXISTS board_totals_change("
                "integer, integer, integer, integer, integer, numeric, numeric)"
            )
        )
    else:
        for name in TRIGGERS:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def install(conn: Connection) -> None:
    """(Re)create the triggers and recompute every total from the deals, in the caller's
    transaction; does nothing before the table exists (a database older than 0014), and the
    SQLite insert trigger cannot be paused before 0016 (no flag table)."""
    inspector = inspect(conn)
    if not inspector.has_table(TABLE):
        return
    uninstall(conn)
    dialect = conn.dialect.name
    pausable = inspector.has_table(PAUSED)
    if pausable:  # never left behind by a committed import; cleared should one be
        conn.execute(text(f"DELETE FROM {PAUSED}"))
    statements = _pg_triggers() if dialect == "postgresql" else _sqlite_triggers(pausable)
    for statement in statements:
        conn.execute(text(statement))
    conn.execute(text(f"DELETE FROM {TABLE}"))
    conn.execute(text(_rebuild_sql(dialect)))


@contextmanager
def bulk_insert(conn: Connection):
    """Around inserting many deals in one transaction: SQLite's per-row trigger is paused
    (a flag row of this transaction) and the deals inserted meanwhile (ids above the highest
    before: SQLite has one writer) are added to the totals in one statement at the end.
    PostgreSQL's statement triggers already count them at once: nothing to do there."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.execute(text("SELECT coalesce(max(id), 0) FROM opportunities")).scalar()
    conn.execute(text(f"INSERT INTO {PAUSED} (paused) VALUES (1)"))
    yield
    conn.execute(text(f"DELETE FROM {PAUSED}"))
    conn.execute(text(_add_sql("sqlite", where=" AND o.id > :before")), {"before": before})


def amounts(cents, weighted_cents) -> tuple[Decimal, Decimal]:
    """Summed cents and cents x probability (stored or computed) as exact amounts."""
    return (
        (Decimal(cents or 0) / 100).quantize(CENT),
        (Decimal(weighted_cents or 0) / 10000).quantize(CENT),
    )
