"""users: the board density each user chose (compact or comfortable cards)

Revision ID: 0010_board
Revises: 0009_importspeed
Create Date: 2026-12-01 04:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_board"
down_revision = "0009_importspeed"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column(
                "board_density", sa.String(length=12), nullable=False, server_default="compact"
            )
        )


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("board_density")
