"""accounts and contacts: name keys for duplicate checks, merged_into for merges

Adds ``accounts.name_key`` / ``accounts.core_key`` and ``contacts.name_key`` (indexed, see
webapp/models/names.py), fills them for the existing rows, and ``merged_into_id`` on both.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 17:00:00

"""

import sqlalchemy as sa
from alembic import op

from webapp.models.names import contact_key, core_key, name_key

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("core_key", sa.String(200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_accounts_merged_into_id_accounts", "accounts", ["merged_into_id"], ["id"]
        )
        batch_op.create_index("ix_accounts_name_key", ["name_key"], unique=False)
        batch_op.create_index("ix_accounts_core_key", ["core_key"], unique=False)
        batch_op.create_index("ix_accounts_merged_into_id", ["merged_into_id"], unique=False)
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(200), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_contacts_merged_into_id_contacts", "contacts", ["merged_into_id"], ["id"]
        )
        batch_op.create_index(
            "ix_contacts_account_name_key", ["account_id", "name_key"], unique=False
        )
        batch_op.create_index("ix_contacts_merged_into_id", ["merged_into_id"], unique=False)
    _backfill()


def _backfill():
    """Compute the keys of the existing rows in Python (the same code as the app), by id."""
    conn = op.get_bind()
    accounts = sa.table(
        "accounts", sa.column("id"), sa.column("name"), sa.column("name_key"), sa.column("core_key")
    )
    rows = conn.execute(sa.select(accounts.c.id, accounts.c.name)).all()
    update = (
        accounts.update()
        .where(accounts.c.id == sa.bindparam("row_id"))
        .values(name_key=sa.bindparam("nk"), core_key=sa.bindparam("ck"))
    )
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        conn.execute(
            update, [{"row_id": i, "nk": name_key(n), "ck": core_key(n)} for i, n in batch]
        )
    contacts = sa.table(
        "contacts",
        sa.column("id"),
        sa.column("first_name"),
        sa.column("last_name"),
        sa.column("name_key"),
    )
    rows = conn.execute(sa.select(contacts.c.id, contacts.c.first_name, contacts.c.last_name)).all()
    update = (
        contacts.update()
        .where(contacts.c.id == sa.bindparam("row_id"))
        .values(name_key=sa.bindparam("nk"))
    )
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        conn.execute(update, [{"row_id": i, "nk": contact_key(f, last)} for i, f, last in batch])


def downgrade():
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_merged_into_id")
        batch_op.drop_index("ix_contacts_account_name_key")
        batch_op.drop_constraint("fk_contacts_merged_into_id_contacts", type_="foreignkey")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("name_key")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_merged_into_id")
        batch_op.drop_index("ix_accounts_core_key")
        batch_op.drop_index("ix_accounts_name_key")
        batch_op.drop_constraint("fk_accounts_merged_into_id_accounts", type_="foreignkey")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("core_key")
        batch_op.drop_column("name_key")
