"""funnel summary: the open-stage visits of the stage history counted by the day they began
(by the previous entry into the same stage, or into any open stage, whether the deal moved on
and whether it is won), so the conversion funnel reads some thousand rows a year

Revision ID: 0015_funnel_days
Revises: 0014_visibility
Create Date: 2026-12-01 11:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_funnel_days"
down_revision = "0014_visibility"
branch_labels = None
depends_on = None

# What webapp.reports.funnel_days.rebuild computes, spelled for both databases ({never}: the
# day of "no previous entry", before any period).
BACKFILL = """
WITH visits AS (
    SELECT h.opportunity_id, h.stage_id, h.entered_at, s.pipeline_id, s.position,
           o.status = 'won' AS won,
           lag(h.entered_at) OVER (PARTITION BY h.opportunity_id, h.stage_id
                                   ORDER BY h.entered_at, h.id) AS prev_same,
           lag(h.entered_at) OVER (PARTITION BY h.opportunity_id
                                   ORDER BY h.entered_at, h.id) AS prev_open
    FROM stage_history h
    JOIN stages s ON s.id = h.stage_id
    JOIN opportunities o ON o.id = h.opportunity_id
    WHERE s.kind = 'open'
)
INSERT INTO funnel_days (pipeline_id, stage_id, day, prev_day, moved, won, visits)
SELECT pipeline_id, stage_id, day, prev_day, moved, won, count(*)
FROM (
    SELECT v.pipeline_id, v.stage_id, date(v.entered_at) AS day, coalesce(date(v.prev_same), {never}) AS prev_day,
           EXISTS (SELECT 1 FROM stage_history l JOIN stages f ON f.id = l.stage_id
                   WHERE l.opportunity_id = v.opportunity_id AND l.entered_at >= v.entered_at
                     AND (f.kind = 'won' OR (f.kind = 'open' AND f.position > v.position)))
           AS moved,
           v.won
    FROM visits v
    UNION ALL
    SELECT v.pipeline_id, 0, date(v.entered_at), coalesce(date(v.prev_open), {never}),
           1 = 0, v.won
    FROM visits v
) keyed
GROUP BY pipeline_id, stage_id, day, prev_day, moved, won
"""


def upgrade():
    op.create_table(
        "funnel_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("prev_day", sa.Date(), nullable=False),
        sa.Column("moved", sa.Boolean(), nullable=False),
        sa.Column("won", sa.Boolean(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name="fk_funnel_days_pipeline_id_pipelines",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_funnel_days"),
        sa.UniqueConstraint(
            "pipeline_id",
            "day",
            "stage_id",
            "prev_day",
            "moved",
            "won",
            name="uq_funnel_days_pipeline_id",
        ),
    )
    never = "DATE '0001-01-01'" if op.get_bind().dialect.name == "postgresql" else "'0001-01-01'"
    op.execute(BACKFILL.format(never=never))


def downgrade():
    op.drop_table("funnel_days")
