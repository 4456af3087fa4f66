"""Command line: ``flask --app wsgi ...`` or the installed ``opportuno ...``."""

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask_babel import gettext as _

from .errors import ValidationError


def register_cli(app: Flask) -> None:
    @app.cli.group()
    def users():
        """Manage users."""

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--password", required=True)
    @click.option("--name", default=None)
    @click.option(
        "--role", type=click.Choice(["admin", "manager", "sales", "readonly"]), default="sales"
    )
    def create_user(email, password, name, role):
        """Create a user (in the sales group and every business line)."""
        from .auth.services import create_user

        try:
            user = create_user(email, password, name=name, role=role)
        except ValidationError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(_("Created %(role)s %(email)s", role=user.role, email=user.email))

    @users.command("deactivate")
    @click.option("--email", required=True)
    def deactivate_user(email):
        """Stop a user from signing in; every session of theirs ends at once."""
        from sqlalchemy import func, select

        from .auth.services import deactivate_user
        from .extensions import db
        from .models import User

        user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if user is None:
            raise click.ClickException(_("There is no user %(email)s.", email=email))
        deactivate_user(user)
        click.echo(_("Deactivated %(email)s; their sessions are ended.", email=user.email))

    @app.cli.group()
    def demo():
        """Demo data."""

    @demo.command("seed")
    @click.option(
        "--opportunities", "count", type=click.IntRange(0), default=400, show_default=True
    )
    @click.option("--seed", type=int, default=1, show_default=True)
    @click.option("--if-empty", is_flag=True, help="Do nothing (exit 0) when data exists.")
    def seed(count, seed, if_empty):
        """Seed a deterministic demo company with COUNT opportunities."""
        from .demo.seed import DEMO_PASSWORD, database_is_empty, seed_demo

        if not database_is_empty():
            if if_empty:
                click.echo(_("The database already has data: demo seed skipped."))
                return
            raise click.ClickException(_("The database already has data; seed an empty database."))
        try:
            report = seed_demo(count, seed=seed)
        except ValidationError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(
            _(
                "Seeded %(opportunities)d opportunities, %(accounts)d accounts, %(users)d users "
                "in %(seconds).1f s.",
                **report,
            )
        )
        click.echo(
            _(
                "Demo login: admin@example.com / %(password)s "
                "(also manager@example.com and sales1@example.com)",
                password=DEMO_PASSWORD,
            )
        )

    from .exports.cli import register_export_cli

    register_export_cli(app)

    from .imports.cli import register as register_import

    register_import(app.cli)

    @app.cli.command("worker")
    @click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True)
    def worker(workers):
        """Run the background jobs (imports, automation, mail) until stopped (Ctrl-C)."""
        from .jobs import consumer

        consumer(workers).run()

    from .plugins import registry

    with app.app_context():
        registry().pm.hook.register_commands(cli=app.cli)


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main():
    """Opportuno command line."""
