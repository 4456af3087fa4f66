"""SQL expressions the reports need that SQLite and PostgreSQL spell differently."""

from sqlalchemy import Integer, cast, func, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from ..extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def month_key(column):
    """'YYYY-MM' of a date or datetime column, for GROUP BY month. SQLite keeps both as
    ISO text: their first seven characters (strftime would parse every value: ~15% of the
    won/lost report's query)."""
    if _dialect() == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.substr(column, 1, 7)


def days_between(later, earlier):
    """Days (with fractions) from ``earlier`` to ``later`` (datetime columns or values)."""
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def whole_days(expression):
    """An expression in days truncated to whole days."""
    return cast(func.floor(expression), Integer)


def not_searched(column):
    """``column`` as SQLite will not search an index by (unary plus): for a table that must
    be reached from a smaller one, which SQLite, without statistics, would read first
    because an index matches (PostgreSQL plans by its statistics: the column as it is)."""
    if _dialect() == "postgresql":
        return column
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


def add_rows(table, rows: list[dict], key: list[str], summed: list[str]) -> None:
    """Insert ``rows`` into a summary ``table``, adding their ``summed`` columns to those of
    the row already there with the same ``key`` (unique): one statement."""
    insert = (postgresql.insert if _dialect() == "postgresql" else sqlite.insert)(table)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[table.c[name] for name in key],
            set_={name: table.c[name] + insert.excluded[name] for name in summed},
        ),
        rows,
    )
