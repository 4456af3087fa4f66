"""deals: drop ix_opportunities_deleted_at, a prefix of the list indexes (0006); import runs:
when a run was queued (``queued_at``), so a run no worker takes shows as waiting for one

Every lookup ``ix_opportunities_deleted_at`` served (the trash: ``deleted_at IS NOT NULL``, by
age, newest first) is answered as well by ``ix_opportunities_list_amount`` (deleted_at, amount,
id) or ``ix_opportunities_list_totals``, which SQLite and PostgreSQL read as a range on their
first column; one index fewer to keep up on each insert and trashing.

Revision ID: 0009_importspeed
Revises: 0008_stage_history_cover
Create Date: 2026-12-01 04:30:00

"""

import sqlalchemy as sa
from alembic import op

from webapp.models._base import UTCDateTime

revision = "0009_importspeed"
down_revision = "0008_stage_history_cover"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_opportunities_deleted_at", table_name="opportunities")
    with op.batch_alter_table("import_runs") as batch_op:
        batch_op.add_column(sa.Column("queued_at", UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("import_runs") as batch_op:
        batch_op.drop_column("queued_at")
    op.create_index("ix_opportunities_deleted_at", "opportunities", ["deleted_at"])
