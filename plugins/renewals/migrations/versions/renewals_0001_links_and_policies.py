"""renewals: typed deal links and auto-renewal policies

Revision ID: renewals_0001
Revises:
Create Date: 2026-11-23 19:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "renewals_0001"
down_revision = None
branch_labels = ("renewals",)
depends_on = "0001"


def upgrade():
    op.create_table(
        "renewal_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("renewal_of_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_renewal_links_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_renewal_links_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["opportunities.id"],
            name=op.f("fk_renewal_links_source_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_links")),
        sa.UniqueConstraint("opportunity_id", name=op.f("uq_renewal_links_opportunity_id")),
        sa.UniqueConstraint("renewal_of_id", name=op.f("uq_renewal_links_renewal_of_id")),
    )
    op.create_index(
        op.f("ix_renewal_links_source_id"), "renewal_links", ["source_id"], unique=False
    )
    op.create_table(
        "renewal_policies",
        sa.Column("business_line_id", sa.Integer(), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("uplift", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_line_id"],
            ["business_lines.id"],
            name=op.f("fk_renewal_policies_business_line_id_business_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("business_line_id", name=op.f("pk_renewal_policies")),
    )


def downgrade():
    op.drop_table("renewal_policies")
    op.drop_index(op.f("ix_renewal_links_source_id"), table_name="renewal_links")
    op.drop_table("renewal_links")
