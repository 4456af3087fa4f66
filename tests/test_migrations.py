"""The migrations build exactly the schema the models describe."""

from datetime import datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from sqlalchemy import column, table, text

from webapp.extensions import db
from webapp.schema import include_object, upgrade_database


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn:
        opts = {"compare_type": False, "include_object": include_object}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migration_0004_fills_the_name_keys_of_existing_rows(app):
    """Rows written before 0004 get their keys from the migration (SQLite and PostgreSQL)."""
    db.session.remove()
    db.engine.dispose()
    downgrade(directory=app.extensions["migrate"].directory, revision="0003")
    try:
        now = datetime(2026, 1, 1)
        stamps = {"created_at": now, "updated_at": now}
        with db.engine.begin() as conn:
            conn.execute(
                table("accounts", *map(column, ("id", "name", *stamps))).insert(),
                [{"id": 1, "name": "Fiume Foods S.r.l.", **stamps}],
            )
            conn.execute(
                table(
                    "contacts", *map(column, ("id", "first_name", "last_name", *stamps))
                ).insert(),
                [{"id": 1, "first_name": "Ánna", "last_name": "Rossi", **stamps}],
            )
    finally:
        db.engine.dispose()
        upgrade_database()
    with db.engine.connect() as conn:
        account = conn.execute(text("SELECT name_key, core_key FROM accounts")).one()
        contact = conn.execute(text("SELECT name_key FROM contacts")).scalar_one()
    assert tuple(account) == ("fiumefoodssrl", "fiumefoods") and contact == "annarossi"
