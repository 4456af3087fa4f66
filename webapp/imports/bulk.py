"""Writing many rows at once: one statement compiled per table and set of columns, the rows
handed to the driver (SQLite executemany, PostgreSQL COPY) after SQLAlchemy's own bind
processors, new ids taken without a RETURNING per row, updates grouped by changed columns;
reading the rows a batch names with one parameter on PostgreSQL (``among``)."""

from functools import lru_cache
from operator import itemgetter

from sqlalchemy import any_, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY

from ..extensions import db


def insert_returning(table, rows: list) -> None:
    """INSERT the rows (``references.NewRow``) in one executemany and give each its new id.

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
        executemany(table, params)
        for row in rows:
            row.id = row.values["id"]
    elif dialect == "sqlite":
        executemany(table, params)
        last = db.session.scalar(select(func.max(table.c.id)))
        for row, new_id in zip(rows, range(last - len(rows) + 1, last + 1), strict=True):
            row.id = new_id
    else:
        result = db.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), params
        )
        for row, new_id in zip(rows, result.scalars(), strict=True):
            row.id = new_id


def among(column, values):
    """``column IN values`` for the many values of a batch: on PostgreSQL one array parameter
    (``= ANY``) rather than a parameter per value, which SQLAlchemy renders and the driver
    parses one by one (most of the time of such a query)."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def write_updates(table, updates: list[dict], now, user_id, *, versioned=False) -> None:
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


def executemany(table, rows: list[dict]) -> None:
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
    if processed:  # column by column: one C loop per column instead of a loop per cell
        columns = list(zip(*map(get, rows), strict=True))
        for i, process in processed:
            column = columns[i]
            if column.count(column[0]) == len(column):  # one value (the run's time, None)
                columns[i] = (process(column[0]),) * len(column)
            else:
                columns[i] = map(process, column)
        params = list(zip(*columns, strict=True))
    else:
        params = list(map(get, rows))
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
