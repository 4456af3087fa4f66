"""deals list on PostgreSQL: partial indexes for its sorts (close date with blanks first, amount)

PostgreSQL orders an index's NULLs last and does not take ``deleted_at IS NULL`` as an
equality, so the 0006 indexes (``deleted_at`` first, plain ``close_date``) cannot give the
list its order there: it sorted every matching deal. These indexes hold the deals not in
the trash, close dates blank first as the list sorts them, and are read forwards or
backwards. PostgreSQL only: SQLite cannot order NULLs in an index and reads the 0006 ones.
They are not in the models' metadata (see ``webapp.schema.POSTGRESQL_ONLY_INDEXES``).

Revision ID: 0007_listspeed
Revises: 0006_list
Create Date: 2026-12-01 00:20:00

"""

from alembic import op

revision = "0007_listspeed"
down_revision = "0006_list"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_opportunities_live_close": "status, close_date NULLS FIRST, id",
    "ix_opportunities_live_any_close": "close_date NULLS FIRST, id",
    "ix_opportunities_live_owner_close": "owner_id, status, close_date NULLS FIRST, id",
    "ix_opportunities_live_amount": "amount, id",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON opportunities ({columns}) WHERE deleted_at IS NULL")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX {name}")
