"""activity-based selling: activity durations, an index for everyone's activities by due date, the activity types picklist (order, active,
the six default types where none exist yet), and the users' iCalendar feeds

Revision ID: 0012_activities
Revises: 0011_reportspeed
Create Date: 2026-12-01 04:20:00

"""

import sqlalchemy as sa
from alembic import op

from webapp.models._base import UTCDateTime

revision = "0012_activities"
down_revision = "0011_reportspeed"
branch_labels = None
depends_on = None

DEFAULT_TYPES = (
    ("call", "Call"),
    ("meeting", "Meeting"),
    ("visit", "Visit"),
    ("task", "Task"),
    ("email", "Email"),
    ("deadline", "Deadline"),
)


def upgrade():
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))
        batch_op.create_index("ix_activities_done_due", ["done", "due_at"], unique=False)
    with op.batch_alter_table("activity_types", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
    )
    types = sa.table(
        "activity_types",
        sa.column("key", sa.String),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("active", sa.Boolean),
    )
    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(types)).scalar() == 0:
        op.bulk_insert(
            types,
            [
                {"key": k, "name": n, "position": i, "active": True}
                for i, (k, n) in enumerate(DEFAULT_TYPES)
            ],
        )


def downgrade():
    op.drop_table("calendar_feeds")
    with op.batch_alter_table("activity_types", schema=None) as batch_op:
        batch_op.drop_column("active")
        batch_op.drop_column("position")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_done_due")
        batch_op.drop_column("duration_minutes")
