"""deals: drop ix_opportunities_deleted_at, a prefix of the list indexes (0006)

Every lookup it served (the trash: ``deleted_at IS NOT NULL``, by age) is answered as well
by ``ix_opportunities_list_amount`` (deleted_at, amount, id), which SQLite and PostgreSQL read
as a range on its first column; one index fewer to keep up on each insert and trashing.

Revision ID: 0009_importspeed
Revises: 0008_stage_history_cover
Create Date: 2026-12-01 04:30:00

"""

from alembic import op

revision = "0009_importspeed"
down_revision = "0008_stage_history_cover"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_opportunities_deleted_at", table_name="opportunities")


def downgrade():
    op.create_index("ix_opportunities_deleted_at", "opportunities", ["deleted_at"])
