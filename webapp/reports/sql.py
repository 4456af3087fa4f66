"""SQL expressions the reports need that SQLite and PostgreSQL spell differently."""

from sqlalchemy import Integer, cast, func, literal_column

from ..extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def month_key(column):
    """'YYYY-MM' of a date or datetime column, for GROUP BY month."""
    if _dialect() == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.strftime("%Y-%m", column)


def days_between(later, earlier):
    """Days (with fractions) from ``earlier`` to ``later`` (datetime columns or values)."""
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def whole_days(expression):
    """An expression in days truncated to whole days."""
    return cast(func.floor(expression), Integer)
