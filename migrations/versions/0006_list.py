"""deals list: indexes for its sorts (close date, amount; ties by id) and its totals

Revision ID: 0006_list
Revises: 0005
Create Date: 2026-11-30 21:20:00

"""

from alembic import op

revision = "0006_list"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_opportunities_list_close",
        "opportunities",
        ["deleted_at", "status", "close_date", "id"],
    )
    op.create_index(
        "ix_opportunities_list_any_close", "opportunities", ["deleted_at", "close_date", "id"]
    )
    op.create_index(
        "ix_opportunities_list_owner_close",
        "opportunities",
        ["deleted_at", "owner_id", "status", "close_date", "id"],
    )
    op.create_index("ix_opportunities_list_amount", "opportunities", ["deleted_at", "amount", "id"])
    op.create_index(
        "ix_opportunities_list_totals",
        "opportunities",
        ["deleted_at", "status", "owner_id", "business_line_id", "amount", "probability"],
    )


def downgrade():
    op.drop_index("ix_opportunities_list_totals", table_name="opportunities")
    op.drop_index("ix_opportunities_list_amount", table_name="opportunities")
    op.drop_index("ix_opportunities_list_owner_close", table_name="opportunities")
    op.drop_index("ix_opportunities_list_any_close", table_name="opportunities")
    op.drop_index("ix_opportunities_list_close", table_name="opportunities")
