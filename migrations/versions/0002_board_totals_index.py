"""board totals indexes: column counts and sums read from the index alone

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:45:00

"""

from alembic import op


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Column totals read from the index alone: everyone's deals, and one owner's deals.
SHARED = ["amount", "probability", "deleted_at", "business_line_id", "close_date", "account_id"]
INDEXES = {
    "ix_opportunities_board_totals": ["status", "pipeline_id", "stage_id", "owner_id", *SHARED],
    "ix_opportunities_board_owner_totals": [
        "status",
        "owner_id",
        "pipeline_id",
        "stage_id",
        *SHARED,
    ],
}


def upgrade():
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
