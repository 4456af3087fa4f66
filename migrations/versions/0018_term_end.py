"""deals: the contract term's end computed by the database (``term_end``: start + months,
clamped to the month's last day), and an index of the won contracts by it, so the renewals
report finds the terms ending in a period without date arithmetic on every won deal

Revision ID: 0018_term_end
Revises: 0017_visit_days
Create Date: 2026-12-02 01:30:00

"""

from alembic import op

revision = "0018_term_end"
down_revision = "0017_visit_days"
branch_labels = None
depends_on = None

START = "coalesce(contract_start, close_date)"
MONTHS = "nullif(contract_months, 0)"  # no term: NULL, as the plugin's None
# What webapp.models.term_end spells for each database. SQLite adds only a virtual generated
# column to a table (its index stores the values); PostgreSQL stores it.
SQLITE = (
    f"min(date({START}, 'start of month', '+' || {MONTHS} || ' months',"
    f" '+' || (strftime('%d', {START}) - 1) || ' days'),"
    f" date({START}, 'start of month', '+' || ({MONTHS} + 1) || ' months', '-1 day'))"
)
POSTGRESQL = f"CAST({START} + make_interval(0, {MONTHS}) AS DATE)"
COLUMNS = [
    "deleted_at",
    "status",
    "term_end",
    "business_line_id",
    "pipeline_id",
    "owner_id",
    "contract_months",
    "amount",
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        generated = f"GENERATED ALWAYS AS ({POSTGRESQL}) STORED"
    else:
        generated = f"GENERATED ALWAYS AS ({SQLITE}) VIRTUAL"
    op.execute(f"ALTER TABLE opportunities ADD COLUMN term_end DATE {generated}")
    op.create_index("ix_opportunities_report_terms", "opportunities", COLUMNS)


def downgrade():
    op.drop_index("ix_opportunities_report_terms", table_name="opportunities")
    op.execute("ALTER TABLE opportunities DROP COLUMN term_end")
