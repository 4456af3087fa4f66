"""imports in bulk: a flag table that pauses SQLite's per-row board-totals trigger inside an
import's transaction (the import adds its deals' totals in one statement); PostgreSQL's insert
and delete triggers become statement-level (reinstalled by migrations/env.py after upgrades)

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


def upgrade():
    op.create_table(
        "board_totals_paused",
        sa.Column("paused", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("paused"),
    )
    totals.install(op.get_bind())


def downgrade():
    op.drop_table("board_totals_paused")
    # SQLite: the insert trigger without its flag (an older migration re-creating a table
    # would otherwise fail on the trigger naming the dropped table).
    totals.install(op.get_bind())
