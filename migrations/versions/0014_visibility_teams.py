"""visibility: teams with a manager and members, a deal visibility rule per business line

Revision ID: 0014_visibility
Revises: 0014_boardspeed_totals
Create Date: 2026-12-01 10:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_visibility"
down_revision = "0014_boardspeed_totals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name="fk_teams_manager_id_users", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("name", name="uq_teams_name"),
    )
    op.create_index("ix_teams_manager_id", "teams", ["manager_id"])
    op.create_table(
        "team_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_team_members_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name="fk_team_members_team_id_teams", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_team_members"),
    )
    op.create_index("ix_team_members_team_id", "team_members", ["team_id"])
    with op.batch_alter_table("business_lines") as batch:
        batch.add_column(
            sa.Column("visibility", sa.String(length=10), nullable=False, server_default="all")
        )


def downgrade():
    with op.batch_alter_table("business_lines") as batch:
        batch.drop_column("visibility")
    op.drop_table("team_members")
    op.drop_table("teams")
