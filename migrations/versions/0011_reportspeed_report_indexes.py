"""reports: covering indexes on opportunities for the open deals by expected close date, the
open deals of a pipeline per stage, and the closed deals by closing time

Revision ID: 0011_reportspeed
Revises: 0010_board
Create Date: 2026-12-01 04:30:00

"""

from alembic import op

revision = "0011_reportspeed"
down_revision = "0010_board"
branch_labels = None
depends_on = None

# The columns as they were at this revision (webapp.models.opportunity REPORT_*).
INDEXES = {
    "ix_opportunities_report_open": (
        "deleted_at", "status", "close_date", "business_line_id", "pipeline_id", "owner_id",
        "stage_id", "probability", "forecast_category", "amount", "revenue_low", "revenue_high",
    ),
    "ix_opportunities_report_stages": (
        "deleted_at", "status", "pipeline_id", "stage_id", "stage_entered_at",
        "business_line_id", "owner_id", "amount", "probability", "created_at",
    ),
    "ix_opportunities_report_closed": (
        "deleted_at", "status", "closed_at", "business_line_id", "pipeline_id", "owner_id",
        "lost_reason_id", "amount", "objective", "created_at", "close_date", "contract_start",
        "contract_months",
    ),
}  # fmt: skip


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "opportunities", list(columns))


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="opportunities")
