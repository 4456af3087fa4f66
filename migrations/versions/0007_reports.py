"""reports: a deal's forecast category, sales targets per owner, business line and month

Revision ID: 0007_reports
Revises: 0007_listspeed
Create Date: 2026-12-01 00:20:00

"""

import sqlalchemy as sa
from alembic import op

from webapp.models._base import Money, UTCDateTime

revision = "0007_reports"
down_revision = "0007_listspeed"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("opportunities") as batch:
        batch.add_column(sa.Column("forecast_category", sa.String(12), nullable=True))
    op.create_table(
        "sales_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("business_line_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_sales_targets_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["business_line_id"],
            ["business_lines.id"],
            name=op.f("fk_sales_targets_business_line_id_business_lines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_sales_targets_set_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_targets")),
        sa.UniqueConstraint(
            "owner_id", "business_line_id", "month", name=op.f("uq_sales_targets_owner_id")
        ),
    )
    op.create_index("ix_sales_targets_business_line_id", "sales_targets", ["business_line_id"])
    op.create_index("ix_sales_targets_month", "sales_targets", ["month"])


def downgrade():
    op.drop_index("ix_sales_targets_month", table_name="sales_targets")
    op.drop_index("ix_sales_targets_business_line_id", table_name="sales_targets")
    op.drop_table("sales_targets")
    with op.batch_alter_table("opportunities") as batch:
        batch.drop_column("forecast_category")
