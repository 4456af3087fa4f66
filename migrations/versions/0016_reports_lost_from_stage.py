"""deals: the stage a lost deal was lost from (``lost_from_stage_id``), written when it closes
and filled from the stage history for the deals lost before; the closed deals' covering index
holds it, so the won/lost report reads it from the index instead of one history look-up per
lost deal

Revision ID: 0016_reports_lost_from_stage
Revises: 0016_importbulk
Create Date: 2026-12-01 13:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016_reports_lost_from_stage"
down_revision = "0016_importbulk"
branch_labels = None
depends_on = None

INDEX = "ix_opportunities_report_closed"
# The index's columns before and after this revision (webapp.models.opportunity REPORT_CLOSED).
BEFORE = (
    "deleted_at", "status", "closed_at", "business_line_id", "pipeline_id", "owner_id",
    "lost_reason_id", "amount", "objective", "created_at", "close_date", "contract_start",
    "contract_months",
)  # fmt: skip
AFTER = BEFORE[:7] + ("lost_from_stage_id",) + BEFORE[7:]

# The stage whose visit ended when the deal closed (the last one, should two end at once).
BACKFILL = """
UPDATE opportunities SET lost_from_stage_id = (
    SELECT h.stage_id FROM stage_history h
    WHERE h.opportunity_id = opportunities.id AND h.left_at = opportunities.closed_at
    ORDER BY h.entered_at DESC, h.id DESC
    LIMIT 1
)
WHERE status = 'lost'
"""


FOREIGN_KEY = "fk_opportunities_lost_from_stage_id_stages"


def upgrade():
    op.drop_index(INDEX, table_name="opportunities")
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: copying the table to a new one would drop the old, and with it
        # (ON DELETE CASCADE) the deals' history, lines, tags and contacts.
        op.execute(
            "ALTER TABLE opportunities ADD COLUMN lost_from_stage_id INTEGER "
            f"CONSTRAINT {FOREIGN_KEY} REFERENCES stages (id)"
        )
    else:
        op.add_column("opportunities", sa.Column("lost_from_stage_id", sa.Integer()))
        op.create_foreign_key(
            FOREIGN_KEY, "opportunities", "stages", ["lost_from_stage_id"], ["id"]
        )
    op.execute(BACKFILL)
    op.create_index(INDEX, "opportunities", list(AFTER))


def downgrade():
    op.drop_index(INDEX, table_name="opportunities")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE opportunities DROP COLUMN lost_from_stage_id")  # as above
    else:
        op.drop_constraint(FOREIGN_KEY, "opportunities", type_="foreignkey")
        op.drop_column("opportunities", "lost_from_stage_id")
    op.create_index(INDEX, "opportunities", list(BEFORE))
