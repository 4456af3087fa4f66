"""Opportuno: an opportunity-centric sales CRM."""

from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader

from . import config, schema  # schema wires Alembic on import
from .bodies import BoundedRequest
from .extensions import csrf, db, htmx, login_manager, migrate
from .inputs import init_inputs
from .plugins import EXTENSION_KEY, build_plugin_manager, flatten
from .transactions import init_transactions

MIGRATIONS_DIR = config.PROJECT_ROOT / "migrations"
BLUEPRINTS = (
    "webapp.auth.views",
    "webapp.auth.security_views",
    "webapp.audit.views",
    "webapp.users.views",
    "webapp.users.access_views",
    "webapp.main.views",
    "webapp.i18n.views",
    "webapp.board.views",
    "webapp.opportunities.views",
    "webapp.accounts.views",
    "webapp.contacts.views",
    "webapp.leads.views",
    "webapp.imports.views",
    "webapp.admin.views",
    "webapp.teams.views",
    "webapp.exports.views",
    "webapp.imports.run_views",
    "webapp.trash.views",
    "webapp.listing.views",
    "webapp.reports.views",
    "webapp.reports.targets_views",
    "webapp.activities.views",
    "webapp.profile.views",
)


def create_app(test_config: dict | None = None) -> Flask:
    """Config -> extensions -> plugins -> blueprints."""
    app = Flask(
        __name__,
        instance_path=str(config.PROJECT_ROOT / "instance"),
        template_folder=str(config.PROJECT_ROOT / "templates"),
    )
    app.request_class = BoundedRequest
    app.config.from_mapping(config.load(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)

    _init_extensions(app)
    plugins = build_plugin_manager(app.config.get("OPPORTUNO_PLUGINS", ()))
    app.extensions[EXTENSION_KEY] = plugins
    _init_plugin_resources(app, plugins)
    from .i18n import init_i18n

    init_i18n(app, plugins)
    _register_blueprints(app, plugins)
    from .jobs import init_jobs

    init_jobs(app)

    from .auth.guard import init_guard
    from .templating import init_templating

    init_guard(app)
    from .security_headers import init_security_headers

    init_security_headers(app)
    init_templating(app)
    from .cli import register_cli

    register_cli(app)
    with app.app_context():
        plugins.pm.hook.startup(app=app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (register every table on the metadata)

    db.init_app(app)
    init_transactions(db.session)
    init_inputs(app, db.session)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        render_as_batch=True,
        include_object=schema.include_object,
    )
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"
    from .auth.signin import init_signin

    init_signin(app)


def _init_plugin_resources(app: Flask, plugins) -> None:
    """Template folders and migration directories that plugins bring."""
    folders = flatten(plugins.pm.hook.register_template_folders())
    if folders:
        app.jinja_loader = ChoiceLoader([app.jinja_loader, FileSystemLoader(folders)])
    app.config["PLUGIN_MIGRATIONS"] = [
        str(p) for p in flatten(plugins.pm.hook.register_migrations())
    ]


def _register_blueprints(app: Flask, plugins) -> None:
    import importlib

    for module in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp)
    for bp in flatten(plugins.pm.hook.register_blueprints(app=app)):
        app.register_blueprint(bp)
