"""imports in bulk: a flag table that pauses SQLite's per-row board-totals trigger inside an
import's transaction (the import adds its deals' totals in one statement); PostgreSQL's insert
and delete triggers become statement-level (reinstalled by migrations/env.py after upgrades).
Deals: two indexes fewer to keep up: ix_opportunities_owner_status (owner, status) becomes the
prefix of the owner's board-totals index (its columns reordered), ix_opportunities_close_date
goes (every query on the close date also reads deleted_at: the 0006 list indexes serve it)

Revision ID: 0016_importbulk
Revises: 0015_funnel_days
Create Date: 2026-12-01 14:00:00

"""

import sqlalchemy as sa
from alembic import op

from webapp.board import totals

revision = "0016_importbulk"
down_revision = "0015_funnel_days"
branch_labels = None
depends_on = None

SHARED = ["amount", "probability", "deleted_at", "business_line_id", "close_date", "account_id"]
OWNER_TOTALS = "ix_opportunities_board_owner_totals"


def upgrade():
    op.create_table(
        "board_totals_paused",
        sa.Column("paused", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("paused"),
    )
    totals.install(op.get_bind())
    op.drop_index("ix_opportunities_owner_status", table_name="opportunities")
    op.drop_index("ix_opportunities_close_date", table_name="opportunities")
    op.drop_index(OWNER_TOTALS, table_name="opportunities")
    columns = ["owner_id", "status", "pipeline_id", "stage_id", *SHARED]
    op.create_index(OWNER_TOTALS, "opportunities", columns)


def downgrade():
    op.drop_index(OWNER_TOTALS, table_name="opportunities")
    columns = ["status", "owner_id", "pipeline_id", "stage_id", *SHARED]
    op.create_index(OWNER_TOTALS, "opportunities", columns)
    op.create_index("ix_opportunities_close_date", "opportunities", ["close_date"])
    op.create_index("ix_opportunities_owner_status", "opportunities", ["owner_id", "status"])
    op.drop_table("board_totals_paused")
    # SQLite: the insert trigger without its flag (an older migration re-creating a table
    # would otherwise fail on the trigger naming the dropped table).
    totals.install(op.get_bind())
