"""board totals index: column counts and sums read from the index alone

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:45:00

"""
from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = [
    "status",
    "pipeline_id",
    "stage_id",
    "amount",
    "probability",
    "owner_id",
    "deleted_at",
    "business_line_id",
]


def upgrade():
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index("ix_opportunities_board_totals", COLUMNS, unique=False)


def downgrade():
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_board_totals")
