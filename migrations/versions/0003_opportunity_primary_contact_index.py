"""index opportunities.primary_contact_id: a contact's page finds its deals without a scan

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 11:20:00

"""

from alembic import op


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunities_primary_contact", ["primary_contact_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_primary_contact")
