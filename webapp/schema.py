"""Alembic wiring: plugin revision folders join the core's, and upgrades apply every head."""

from flask import current_app
from flask_migrate import upgrade
from flask_migrate.cli import db as db_cli_group

from .extensions import migrate

# Indexes migrations create on PostgreSQL only (0007_listspeed: NULLs ordered first, which
# SQLite's CREATE INDEX cannot say). SQLAlchemy's metadata has no index for one dialect that
# Alembic compares, so they stay out of the models and out of autogenerate's comparison.
POSTGRESQL_ONLY_INDEXES = frozenset(
    {
        "ix_opportunities_live_close",
        "ix_opportunities_live_any_close",
        "ix_opportunities_live_owner_close",
        "ix_opportunities_live_amount",
    }
)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's autogenerate filter: leaves out the PostgreSQL-only indexes."""
    return not (type_ == "index" and name in POSTGRESQL_ONLY_INDEXES)


@migrate.configure
def _plugin_version_locations(config):
    """Core revisions plus every folder plugins return from ``register_migrations``."""
    extra = current_app.config.get("PLUGIN_MIGRATIONS") or []
    if extra:
        core = f"{config.get_main_option('script_location')}/versions"
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", ":".join([core, *extra]))
    return config


def _default_to_heads() -> None:
    """``db upgrade`` without a revision applies every branch head (core + plugin branches)."""
    for param in db_cli_group.commands["upgrade"].params:
        if param.name == "revision":
            param.default = "heads"


_default_to_heads()


def upgrade_database() -> None:
    """Apply all migrations (inside an app context)."""
    upgrade(directory=current_app.extensions["migrate"].directory, revision="heads")
