"""useradmin: one-time access links (invitations and admin-issued password resets)

Revision ID: 0014_useradmin
Revises: 0014_reportspeed_visit_days
Create Date: 2026-12-01 10:40:00

"""

import sqlalchemy as sa
from alembic import op


revision = "0014_useradmin"
down_revision = "0014_reportspeed_visit_days"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_access_links_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name="fk_access_links_created_by_id_users",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_access_links"),
        sa.UniqueConstraint("token_hash", name="uq_access_links_token_hash"),
    )
    op.create_index("ix_access_links_user_id", "access_links", ["user_id"])


def downgrade():
    op.drop_table("access_links")
