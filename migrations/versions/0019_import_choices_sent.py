"""import runs: when the browser sent the choices kept (``choices_sent``), so that a mapping
request the browser gave up on cannot overwrite newer choices when it reaches the server last

Revision ID: 0019_import_choices_sent
Revises: 0018_term_end
Create Date: 2026-12-02 02:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019_import_choices_sent"
down_revision = "0018_term_end"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("import_runs", sa.Column("choices_sent", sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("choices_sent")
