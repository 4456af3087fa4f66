"""board totals: the board's column totals stored per pipeline, stage, owner and business line

Revision ID: 0014_boardspeed_totals
Revises: 0014_useradmin
Create Date: 2026-12-01 10:40:00

"""

import sqlalchemy as sa
from alembic import op

from webapp.board import totals

revision = "0014_boardspeed_totals"
down_revision = "0014_useradmin"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "board_totals",
        sa.Column("pipeline_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stage_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("business_line_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Numeric(precision=24, scale=0), nullable=False),
        sa.Column("weighted_cents", sa.Numeric(precision=26, scale=0), nullable=False),
        sa.PrimaryKeyConstraint("pipeline_id", "stage_id", "owner_id", "business_line_id"),
    )
    # The triggers, and the totals of the deals already there.
    totals.install(op.get_bind())


def downgrade():
    totals.uninstall(op.get_bind())
    op.drop_table("board_totals")
