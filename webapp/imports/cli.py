"""``opportuno import ENTITY FILE``: an import from the command line, in the foreground with
a progress bar, or handed to the worker (``--queue``).

``--mapping`` is JSON naming the field of each file header, e.g.
``{"Ragione sociale": "account", "Valore": "amount", "Codice": "external_id"}`` (field keys:
``webapp/datafields.py``); without it, headers in English or Italian map by themselves.
Exit status 0 only when no row was rejected.
"""

import json
from pathlib import Path

import click
from sqlalchemy import select

from .. import jobs
from ..datafields import fields_for
from ..errors import ValidationError
from ..extensions import db
from ..models import ImportReject, ImportRun, User
from . import engine, files, runs
from .jobs import run_import
from .mapping import guess_mapping
from .reading import UnreadableFile, open_table
from .services import first_options

ENTITIES = {
    "opportunities": "opportunity",
    "accounts": "account",
    "contacts": "contact",
    "leads": "lead",
}
MODES = {"all": "all_or_nothing", "good": "good_rows"}


def importing_user(email: str | None) -> User:
    query = select(User).where(User.active.is_(True))
    if email:
        user = db.session.scalar(query.where(User.email == email.strip().lower()))
    else:
        user = db.session.scalar(query.where(User.role == "admin").order_by(User.id))
    if user is None:
        raise click.ClickException(f"No active user {email}." if email else "No admin yet.")
    return user


def file_mapping(entity: str, headers: list[str], given: str | None) -> dict[int, str]:
    """Column index -> field key: from ``--mapping`` JSON, else guessed from the headers."""
    if not given:
        mapping = guess_mapping(entity, headers)
    else:
        try:
            named = json.loads(given)
        except ValueError as error:
            raise click.BadParameter(f"not JSON ({error}).", param_hint="--mapping") from None
        if not isinstance(named, dict):
            raise click.BadParameter('use {"File header": "field key"}.', param_hint="--mapping")
        keys = {f.key for f in fields_for(entity)}
        positions = {h.strip().casefold(): i for i, h in reversed(list(enumerate(headers)))}
        mapping = {}
        for header, key in named.items():
            index = positions.get(str(header).strip().casefold())
            if index is None:
                raise click.BadParameter(
                    f"the file has no column “{header}”.", param_hint="--mapping"
                )
            if key not in keys:
                raise click.BadParameter(
                    f"“{key}” is not a field of {entity} ({', '.join(sorted(keys))}).",
                    param_hint="--mapping",
                )
            mapping[index] = key
    if not mapping:
        raise click.ClickException(
            "No column of the file names a field: give --mapping (see --help)."
        )
    return mapping


def register(cli) -> None:
    @cli.group("imports")
    def imports_group():
        """Housekeeping of the imports."""

    @imports_group.command("purge")
    @click.option("--hours", type=click.FloatRange(min=0), help="Keep newer files (default: "
                  "IMPORT_KEEP_UPLOADS_HOURS, 24).")  # fmt: skip
    def purge(hours):
        """Delete the uploaded files of imports not run within the keeping time (safe for
        cron)."""
        click.echo(f"{files.purge(hours)} uploaded import files deleted.")

    @cli.command("import")
    @click.argument("entity", type=click.Choice(sorted(ENTITIES)))
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
    @click.option("--mapping", help='JSON {"File header": "field key"} (default: guessed).')
    @click.option(
        "--mode",
        type=click.Choice(sorted(MODES)),
        default="all",
        show_default=True,
        help="all: nothing is written when a row is rejected; good: the good rows.",
    )
    @click.option("--as", "email", help="The importing user (default: the first admin).")
    @click.option("--queue", is_flag=True, help="Hand the import to the worker and return.")
    @click.option("--encoding", help="The file's encoding (default: detected).")
    @click.option("--delimiter", help="The CSV delimiter (default: detected).")
    @click.option("--date-order", type=click.Choice(["dmy", "mdy", "ymd"]),
                  help="How the file writes dates (default: detected).")  # fmt: skip
    def import_file(entity, file, dry_run, mapping, mode, email, queue, encoding, delimiter,
                    date_order):  # fmt: skip
        """Import ENTITY (opportunities, accounts, contacts, leads) from FILE (CSV, XLSX, or
        vCard for contacts). Rejected rows are listed with line, column and reason; the exit
        status is 0 only when none was rejected."""
        entity = ENTITIES[entity]
        user = importing_user(email)
        path = file.resolve()
        try:
            with open_table(path, filename=file.name, encoding=encoding, delimiter=delimiter) as t:
                columns = file_mapping(entity, t.headers, mapping)
                options = first_options(entity, t, mapping=columns)
            with open_table(path, filename=file.name, encoding=encoding, delimiter=delimiter) as t:
                total = sum(1 for _ in t.rows)
        except (UnreadableFile, UnicodeError) as error:
            raise click.ClickException(f"{file.name}: {error}") from None
        except ValidationError as error:
            raise click.ClickException(f"{file.name}: {error}") from None
        if date_order:
            options["date_order"] = date_order
        run = ImportRun(
            user_id=user.id,
            entity=entity,
            filename=file.name[:255],
            stored_path=str(path),
            status="queued",
            mode=MODES[mode],
            dry_run=dry_run,
            total_rows=total,
            options=options,
        )
        db.session.add(run)
        db.session.commit()
        if queue:
            try:
                jobs.enqueue(run_import, run.id)
            except Exception as error:
                run = runs.not_queued(run.id, error)
                raise click.ClickException(run.error) from None
            click.echo(f"Import {run.id} queued: `opportuno worker` runs it.")
            return
        with click.progressbar(length=total, label=f"Importing {file.name}", file=None) as bar:
            done = [0]

            def advance(processed, _total):
                bar.update(processed - done[0])
                done[0] = processed

            run = engine.execute(run.id, on_progress=advance)
        report(run)
        if run.status != "done" or run.rejected_count:
            raise SystemExit(1)


def report(run: ImportRun) -> None:
    """The run's counts and every rejected row (line, column, reason)."""
    if run.status == "failed":
        click.echo(f"Import failed: {run.error}", err=True)
        return
    would = "would be " if run.dry_run else ""
    click.echo(
        f"{run.processed_rows} rows: {run.created_count} {would}created, "
        f"{run.updated_count} {would}updated, {run.rejected_count} rejected."
    )
    if run.rejected_count and run.mode == "all_or_nothing" and not run.dry_run:
        click.echo("Nothing was written: a row was rejected (use --mode good to import the rest).")
    query = (
        select(ImportReject.line, ImportReject.column, ImportReject.reason)
        .where(ImportReject.run_id == run.id)
        .order_by(ImportReject.line, ImportReject.id)
        .execution_options(yield_per=1000)
    )
    for line, column, reason in db.session.execute(query):
        click.echo(f"line {line}" + (f", {column}" if column else "") + f": {reason}")
