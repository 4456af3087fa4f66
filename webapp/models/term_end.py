"""A deal's contract term end, computed by the database (``Opportunity.term_end``).

The term ends ``contract_months`` after its start (``contract_start``, else the close date),
on the same day of the month, or on the month's last day when it is shorter (31 January + 1
month = 28 or 29 February), as ``plugins.renewals.terms.term_end`` computes it in Python.
Stored by the database whatever writes the deal (forms, imports, bulk updates), so a report
finds the terms ending in a period on an index instead of doing date arithmetic on every
won deal. NULL without a term (no months, 0 months or no start).
"""

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

START = "coalesce(contract_start, close_date)"
MONTHS = "nullif(contract_months, 0)"  # no term: NULL, as the plugin's None
# SQLite: the start month's first day + months, + the start's day - 1, capped by the last day
# of the target month; a multi-argument min() is NULL when either is.
SQLITE = (
    f"min(date({START}, 'start of month', '+' || {MONTHS} || ' months',"
    f" '+' || (strftime('%d', {START}) - 1) || ' days'),"
    f" date({START}, 'start of month', '+' || ({MONTHS} + 1) || ' months', '-1 day'))"
)
# PostgreSQL clamps to the month's end itself.
POSTGRESQL = f"CAST({START} + make_interval(0, {MONTHS}) AS DATE)"


class term_end_sql(FunctionElement):  # noqa: N801 (a SQL function's name)
    """The generated column's expression, spelled for the database that creates it."""

    type = Date()
    name = "term_end"
    inherit_cache = True


@compiles(term_end_sql, "sqlite")
def _sqlite(element, compiler, **kw):
    return SQLITE


@compiles(term_end_sql, "postgresql")
def _postgresql(element, compiler, **kw):
    return POSTGRESQL
