"""stage history: each ended visit keeps its length in days, and two indexes read the visits
of a stage that ended in a period (count, mean) and in order of length (median) from the
index alone: the time-in-stage report no longer sorts every visit nor reads every deal

Revision ID: 0014_reportspeed_visit_days
Revises: 0013_security
Create Date: 2026-12-01 10:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_reportspeed_visit_days"
down_revision = "0013_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stage_history") as batch_op:
        batch_op.add_column(sa.Column("days", sa.Float(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        days = "extract(epoch from left_at - entered_at) / 86400.0"
    else:
        days = "julianday(left_at) - julianday(entered_at)"
    op.execute(f"UPDATE stage_history SET days = {days} WHERE left_at IS NOT NULL")
    op.create_index(
        "ix_stage_history_left",
        "stage_history",
        ["stage_id", "left_at", "days", "opportunity_id"],
    )
    op.create_index(
        "ix_stage_history_days",
        "stage_history",
        ["stage_id", "days", "left_at", "opportunity_id"],
    )


def downgrade():
    op.drop_index("ix_stage_history_days", table_name="stage_history")
    op.drop_index("ix_stage_history_left", table_name="stage_history")
    with op.batch_alter_table("stage_history") as batch_op:
        batch_op.drop_column("days")
