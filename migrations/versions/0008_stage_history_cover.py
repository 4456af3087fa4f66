"""stage history: its per-deal index also holds the stage and the leaving time, so the funnel
and time-in-stage reports read a deal's visits from the index alone

Revision ID: 0008_stage_history_cover
Revises: 0007_reports
Create Date: 2026-12-01 00:20:00

"""

from alembic import op

revision = "0008_stage_history_cover"
down_revision = "0007_reports"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_stage_history_opp", table_name="stage_history")
    op.create_index(
        "ix_stage_history_opp",
        "stage_history",
        ["opportunity_id", "entered_at", "stage_id", "left_at"],
    )


def downgrade():
    op.drop_index("ix_stage_history_opp", table_name="stage_history")
    op.create_index("ix_stage_history_opp", "stage_history", ["opportunity_id", "entered_at"])
