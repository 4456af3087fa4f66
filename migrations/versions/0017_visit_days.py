"""time-in-stage summary: the ended visits of the stage history counted, and their lengths
summed, by stage and by the day they ended, so the time-in-stage report reads some thousand
rows a year instead of every visit

Revision ID: 0017_visit_days
Revises: 0016_reports_lost_from_stage
Create Date: 2026-12-02 01:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017_visit_days"
down_revision = "0016_reports_lost_from_stage"
branch_labels = None
depends_on = None

# What webapp.reports.visit_days.rebuild computes.
BACKFILL = """
INSERT INTO stage_visit_days (pipeline_id, stage_id, day, visits, days)
SELECT s.pipeline_id, h.stage_id, date(h.left_at), count(*), coalesce(sum(h.days), 0.0)
FROM stage_history h
JOIN stages s ON s.id = h.stage_id
WHERE h.left_at IS NOT NULL
GROUP BY s.pipeline_id, h.stage_id, date(h.left_at)
"""


def upgrade():
    op.create_table(
        "stage_visit_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("days", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name="fk_stage_visit_days_pipeline_id_pipelines",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_stage_visit_days"),
        sa.UniqueConstraint("stage_id", "day", name="uq_stage_visit_days_stage_id"),
    )
    op.execute(BACKFILL)


def downgrade():
    op.drop_table("stage_visit_days")
