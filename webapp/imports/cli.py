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
from flask_babel import gettext as _
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
        raise click.ClickException(
            _("No active user %(email)s.", email=email) if email else _("No admin yet.")
        )
    return user


def file_mapping(entity: str, headers: list[str], given: str | None) -> dict[int, str]:
    """Column index -> field key: from ``--mapping`` JSON, else guessed from the headers."""
    if not given:
        mapping = guess_mapping(entity, headers)
    else:
        try:
            named = json.loads(given)
        except ValueError as error:
            raise click.BadParameter(
                _("not JSON (%(error)s).", error=error), param_hint="--mapping"
            ) from None
        if not isinstance(named, dict):
            raise click.BadParameter(_('use {"File header": "field key"}.'), param_hint="--mapping")
        keys = {f.key for f in fields_for(entity)}
        positions = {h.strip().casefold(): i for i, h in reversed(list(enumerate(headers)))}
        mapping = {}
        for header, key in named.items():
            index = positions.get(str(header).strip().casefold())
            if index is None:
                raise click.BadParameter(
                    _("the file has no column “%(header)s”.", header=header),
                    param_hint="--mapping",
                )
            if key not in keys:
                raise click.BadParameter(
                    _(
                        "“%(key)s” is not a field of %(entity)s (%(keys)s).",
                        key=key,
                        entity=entity,
                        keys=", ".join(sorted(keys)),
                    ),
                    param_hint="--mapping",
                )
            mapping[index] = key
    if not mapping:
        raise click.ClickException(
            _("No column of the file names a field: give --mapping (see --help).")
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
            click.echo(_("Import %(id)s queued: `opportuno worker` runs it.", id=run.id))
            return
        with click.progressbar(
            length=total, label=_("Importing %(file)s", file=file.name), file=None
        ) as bar:
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
        click.echo(_("Import failed: %(error)s", error=run.error), err=True)
        return
    counts = {
        "rows": run.processed_rows,
        "created": run.created_count,
        "updated": run.updated_count,
        "rejected": run.rejected_count,
    }
    if run.dry_run:
        summary = _(
            "%(rows)s rows: %(created)s would be created, %(updated)s would be updated, "
            "%(rejected)s rejected.",
            **counts,
        )
    else:
        summary = _(
            "%(rows)s rows: %(created)s created, %(updated)s updated, %(rejected)s rejected.",
            **counts,
        )
    click.echo(summary)
    if run.rejected_count and run.mode == "all_or_nothing" and not run.dry_run:
        click.echo(
            _("Nothing was written: a row was rejected (use --mode good to import the rest).")
        )
    query = (
        select(ImportReject.line, ImportReject.column, ImportReject.reason)
        .where(ImportReject.run_id == run.id)
        .order_by(ImportReject.line, ImportReject.id)
        .execution_options(yield_per=1000)
    )
    for line, column, reason in db.session.execute(query):
        if column:
            click.echo(
                _("line %(line)s, %(column)s: %(reason)s", line=line, column=column, reason=reason)
            )
        else:
            click.echo(_("line %(line)s: %(reason)s", line=line, reason=reason))
