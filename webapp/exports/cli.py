"""``export opportunities|accounts|contacts|leads FILE``: every field of every record, as CSV
or XLSX by the file's extension; ``--as EMAIL`` exports what that user may see, with the
headers in their language (English without ``--as``)."""

from pathlib import Path

import click
from flask import Flask
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..locale import DEFAULT
from ..models import User
from . import choice as choices
from .writers import csv_chunks, write_xlsx

ENTITIES = {
    "opportunities": "opportunity",
    "accounts": "account",
    "contacts": "contact",
    "leads": "lead",
}


def _user(email: str | None) -> User:
    """The user to export as: ``email``, or a stand-in administrator who sees everything."""
    if email is None:
        return User(role="admin", email="", name="command line")
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        raise click.ClickException(_("No active user has the email %(email)s.", email=email))
    return user


def register_export_cli(app: Flask) -> None:
    @app.cli.command("export")
    @click.argument("what", type=click.Choice(list(ENTITIES)))
    @click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
    @click.option(
        "--sep",
        type=click.Choice([",", ";"]),
        default=",",
        show_default=True,
        help="CSV separator; ';' writes decimal commas, for Italian Excel.",
    )
    @click.option("--as", "email", default=None, help="Export what this user may see.")
    def export(what, file, sep, email):
        """Export every field of WHAT to FILE (.csv or .xlsx)."""
        fmt = file.suffix.lower().lstrip(".")
        if fmt not in choices.FORMATS:
            raise click.ClickException(_("The file name must end in .csv or .xlsx."))
        user = _user(email)
        with force_locale(user.locale or DEFAULT):
            entity = ENTITIES[what]
            chosen = choices.everything(user, entity, fmt, sep)
            if fmt == "xlsx":
                count = write_xlsx(chosen, str(file), sheet=str(choices.SHEET_NAMES[entity]))
            else:
                counter = [0]
                with file.open("wb") as out:
                    for chunk in csv_chunks(chosen, counter):
                        out.write(chunk)
                count = counter[0]
            message = ngettext(
                "Wrote %(num)s row of %(what)s to %(file)s.",
                "Wrote %(num)s rows of %(what)s to %(file)s.",
                count,
                what=what,
                file=file,
            )
        click.echo(message)
