"""Import runs up to the preview: the upload stored and checked, the file read with the
options the person chose, the column mapping and the first rows as they will be saved.

``run.options`` holds what the engine needs to read the file again the same way:
``encoding`` (the codec), ``delimiter`` (CSV), ``sheet`` (XLSX), ``date_order``, ``decimal``,
``mapping`` (``{"<column index>": "<field key>"}``) and ``shape`` (the header row's key).
"""

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, update

from .. import permissions
from ..datafields import DataField, fields_for
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import ImportRun, User
from ..opportunities.documents import safe_filename
from ..transactions import transactional
from . import mapping as columns
from .reading import Table, UnreadableFile, open_table
from .values import SAMPLE_ROWS, Guess, Refused, RowConverter, guess_formats

# What each list is called: in a sentence, as a heading, on its import button.
ENTITY_NAMES = {
    "opportunity": _l("deals"),
    "account": _l("accounts"),
    "contact": _l("contacts"),
    "lead": _l("leads"),
}
ENTITY_HEADINGS = {
    "opportunity": _l("Deals"),
    "account": _l("Accounts"),
    "contact": _l("Contacts"),
    "lead": _l("Leads"),
}
IMPORT_BUTTONS = {
    "opportunity": _l("Import deals"),
    "account": _l("Import accounts"),
    "contact": _l("Import contacts"),
    "lead": _l("Import leads"),
}
EXTENSIONS = ("csv", "txt", "tsv", "xlsx", "vcf", "vcard")
PREVIEW_ROWS = 20
REFUSED_SHOWN = 10
CHUNK = 1 << 20

NO_FILE = _l("Choose a file to import.")
BAD_EXTENSION = _l("Choose a CSV, XLSX or vCard (.vcf) file.")
TOO_LARGE = _l("The file is too large: at most %(mb)s MB can be imported at once.")
VCARD_CONTACTS = _l("A vCard file holds contacts: import it from the contacts list.")
NO_KNOWN_COLUMN = _l(
    "None of the columns of this file is a field of %(entities)s: the first row must name "
    "the fields, like %(example)s."
)
REQUIRED = _l("Choose the column that holds %(label)s: it is required.")
TWICE = _l("%(label)s is chosen for more than one column: choose it once.")
STARTED = _l("This import has already started: its choices can no longer change.")


def import_folder(folder: str | None = None) -> Path:
    """Where uploaded import files are kept (``UPLOAD_FOLDER/imports``)."""
    return Path(folder or current_app.config["UPLOAD_FOLDER"]) / "imports"


def file_path(run: ImportRun, folder: str | None = None) -> Path:
    """The stored file of ``run`` (``stored_path`` is relative to UPLOAD_FOLDER)."""
    return Path(folder or current_app.config["UPLOAD_FOLDER"]) / run.stored_path


def run_table(run: ImportRun, folder: str | None = None) -> Table:
    """``run``'s file opened as its options say (the engine reads it again this way);
    UnreadableFile when it cannot be."""
    options = run.options or {}
    return open_table(
        file_path(run, folder),
        filename=run.filename,
        encoding=options.get("encoding"),
        delimiter=options.get("delimiter"),
        sheet=options.get("sheet"),
    )


def get_run(user: User, run_id: int) -> ImportRun:
    """The run, for its owner or an admin; NotFound for anyone else."""
    run = db.session.get(ImportRun, run_id)
    if run is None or not (run.user_id == user.id or permissions.is_admin(user)):
        raise NotFound(_("No such import."))
    return run


def check_entity(entity: str | None) -> str:
    if entity not in ENTITY_NAMES:
        raise NotFound(_("There is no such list to import into."))
    return entity


# --- upload --------------------------------------------------------------------------------


@transactional
def upload(
    user: User,
    entity: str,
    stream: BinaryIO | None,
    filename: str | None,
    *,
    folder: str,
    limit: int,
    locale: str = "it",
) -> ImportRun:
    """Store and check an uploaded file (size, kind by content, a header row that names
    fields, one row at least) and record the run with the options detected; a refused
    file leaves nothing behind (no row, no file)."""
    permissions.require_write(user)
    check_entity(entity)
    if stream is None or not filename:
        raise ValidationError({"file": NO_FILE})
    name = safe_filename(filename)
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if ext not in EXTENSIONS:
        raise ValidationError({"file": BAD_EXTENSION})
    target = import_folder(folder) / f"{secrets.token_hex(16)}.{ext}"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        _store(stream, target, limit)
        with _open(target, name, {}) as table:
            if table.kind == "vcard" and entity != "contact":
                raise ValidationError({"file": VCARD_CONTACTS})
            options = first_options(entity, table, user=user, locale=locale)
            options["locale"] = locale  # the language the worker writes the rejects in
        run = ImportRun(
            user_id=user.id,
            entity=entity,
            filename=name,
            stored_path=str(target.relative_to(Path(folder))),
            status="uploaded",
            options=options,
        )
        db.session.add(run)
        db.session.flush()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return run


def _store(stream: BinaryIO, target: Path, limit: int) -> None:
    written = 0
    with target.open("wb") as out:
        while chunk := stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise ValidationError({"file": TOO_LARGE % {"mb": limit // (1 << 20) or 1}})
            out.write(chunk)


def _open(path: Path, filename: str, options: dict) -> Table:
    try:
        return open_table(
            path,
            filename=filename,
            encoding=options.get("encoding"),
            delimiter=options.get("delimiter"),
            sheet=options.get("sheet"),
        )
    except UnreadableFile as error:
        raise ValidationError({"file": str(error)}) from None


def first_options(
    entity: str,
    table: Table,
    *,
    user: User | None = None,
    locale: str = "it",
    mapping: dict[int, str] | None = None,
) -> dict:
    """``run.options`` for a file just opened (``table``, whose rows it starts reading):
    what the file says about itself, and the mapping ``user`` chose for its shape before,
    else the one its headers suggest. ValidationError when no column is a field of
    ``entity``. The CLI reads a file without a run with these options too, with the
    ``mapping`` it was given, if any."""
    remembered = columns.remembered(user, entity, table.headers) if user and not mapping else None
    guessed = mapping or remembered or columns.guess_mapping(entity, table.headers)
    if not guessed:
        example = ", ".join(str(f.label) for f in fields_for(entity)[1:4])
        raise ValidationError(
            {"file": NO_KNOWN_COLUMN % {"entities": ENTITY_NAMES[entity], "example": example}}
        )
    try:
        sample = [cells for _, cells in _take(table, SAMPLE_ROWS)]
    except UnreadableFile as error:
        raise ValidationError({"file": str(error)}) from None
    order, decimal = guess_formats(entity, guessed, sample, locale=locale)
    return {
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "sheet": table.sheet,
        "date_order": order.value,
        "decimal": decimal.value,
        "mapping": {str(i): key for i, key in sorted(guessed.items())},
        "shape": columns.shape(table.headers),
    }


def _take(table: Table, count: int) -> list[tuple[int, list[str]]]:
    rows = []
    for item in table.rows:
        rows.append(item)
        if len(rows) >= count:
            break
    return rows


# --- mapping and preview -------------------------------------------------------------------


@dataclass
class PreviewCell:
    text: str
    refused: bool = False


@dataclass
class Preview:
    """The file read with some choices: what was detected, the mapping, the first rows as
    they will be saved, and what stops the import (``problems``)."""

    run: ImportRun
    options: dict
    table: Table | None = None
    fields: list[DataField] = field(default_factory=list)
    mapping: dict[int, str] = field(default_factory=dict)
    date_guess: Guess | None = None
    decimal_guess: Guess | None = None
    rows: list[tuple[int, list[PreviewCell]]] = field(default_factory=list)
    example: list[str] = field(default_factory=list)  # the first data row, as read
    # Refused cells among the sampled rows: (line, column label, reason), and how many.
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    refused_count: int = 0
    sampled: int = 0
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def mapped(self) -> list[tuple[int, DataField]]:
        by_key = {f.key: f for f in self.fields}
        return [(i, by_key[k]) for i, k in sorted(self.mapping.items()) if k in by_key]

    @property
    def required(self) -> list[DataField]:
        return [f for f in self.fields if f.required]


def preview(user: User, run: ImportRun, choices: dict | None = None, *, locale: str = "it"):
    """Read ``run``'s file with its options updated by ``choices`` (``read_choices``):
    nothing is written. A choice that makes the file unreadable is a problem shown."""
    options = dict(run.options or {})
    choices = choices or {}
    for key in ("encoding", "delimiter", "sheet", "date_order", "decimal"):
        if key in choices:
            options[key] = choices[key]
    result = Preview(run, options, fields=fields_for(run.entity))
    try:
        table = _open(file_path(run), run.filename, options)
    except ValidationError as error:
        result.problems["file"] = error.errors["file"]
        return result
    with table:
        result.table = table
        try:
            sample = _take(table, SAMPLE_ROWS)
        except UnreadableFile as error:
            result.table, result.problems["file"] = None, str(error)
            return result
    shape = columns.shape(table.headers)
    keys = {f.key for f in result.fields}
    if "mapping" in choices and choices.get("shape") == shape:
        mapping = choices["mapping"]
    elif options.get("shape") == shape:
        mapping = {int(i): k for i, k in (options.get("mapping") or {}).items() if k in keys}
    else:  # the encoding, delimiter or sheet changed the header row
        mapping = columns.remembered(user, run.entity, table.headers) or columns.guess_mapping(
            run.entity, table.headers
        )
    mapping = {i: k for i, k in mapping.items() if i < len(table.headers)}
    result.mapping = mapping
    result.date_guess, result.decimal_guess = guess_formats(
        run.entity, mapping, [c for _, c in sample], locale=locale
    )
    options.update(
        encoding=table.encoding,
        delimiter=table.delimiter,
        sheet=table.sheet,
        mapping={str(i): k for i, k in sorted(mapping.items())},
        shape=shape,
    )
    options.setdefault("date_order", result.date_guess.value)
    options.setdefault("decimal", result.decimal_guess.value)
    result.problems.update(_mapping_problems(result))
    converter = RowConverter.from_options(run.entity, options)
    result.rows = [
        (line, _cells(converter, result.mapped, cells)) for line, cells in sample[:PREVIEW_ROWS]
    ]
    result.example = sample[0][1] if sample else []
    result.sampled = len(sample)
    for line, cells in sample:
        for label, reason in converter.convert(cells)[1]:
            result.refused_count += 1
            if len(result.refused) < REFUSED_SHOWN:
                result.refused.append((line, label, reason))
    return result


def _mapping_problems(result: Preview) -> dict[str, str]:
    problems = {}
    for f in columns.missing_required(result.run.entity, result.mapping):
        problems[f"required.{f.key}"] = REQUIRED % {"label": f.label}
    chosen = list(result.mapping.values())
    for f in result.fields:
        if chosen.count(f.key) > 1:
            problems[f"twice.{f.key}"] = TWICE % {"label": f.label}
    return problems


def _cells(converter: RowConverter, mapped, cells: list[str]) -> list[PreviewCell]:
    out = []
    for index, f in mapped:
        raw = cells[index] if index < len(cells) else ""
        if not raw.strip():
            out.append(PreviewCell(""))
            continue
        try:
            out.append(PreviewCell(shown_value(converter.value(f, raw))))
        except Refused as refused:
            out.append(PreviewCell(refused.reason, refused=True))
    return out


def shown_value(value) -> str:
    """A converted value as the preview shows it, the reader's way: dates unambiguous
    (``31 Dec 2026``, a Solar Hijri date in Persian), numbers with every decimal kept."""
    from datetime import date
    from decimal import Decimal

    from ..i18n.formats import day, number

    if isinstance(value, date):
        return day(value)
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


@transactional
def save_choices(user: User, run: ImportRun, result: Preview, sent: int | None = None) -> bool:
    """Keep the choices of ``result`` (a preview of ``run``) as ``run.options`` and as the
    user's mapping for this file shape; refused, writing nothing, while a problem remains.

    ``sent``: when the browser sent them (the mapping form posts each change, and htmx gives
    up on a request still in flight when the next change comes, but the server may still get
    it after the newer one). Choices sent before those kept are not kept: False, and ``run``
    holds the newer ones. The check and the write are one UPDATE, so two requests at once
    cannot both pass it."""
    permissions.require_write(user)
    run = get_run(user, run.id)
    if run.status != "uploaded":
        raise ValidationError({"run": STARTED})
    if result.problems:
        raise ValidationError(result.problems)
    if sent is None:
        run.options = result.options
    else:
        newer = or_(ImportRun.choices_sent.is_(None), ImportRun.choices_sent < sent)
        kept = db.session.execute(
            update(ImportRun)
            .where(ImportRun.id == run.id, newer)
            .values(options=result.options, choices_sent=sent)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not kept:
            db.session.refresh(run)  # the newer choices, for the answer
            return False
    columns.remember(user, run.entity, result.table.headers, result.mapping)
    return True


# --- the mapping form ----------------------------------------------------------------------

DELIMITER_NAMES = {"semicolon": ";", "comma": ",", "tab": "\t", "pipe": "|"}
DECIMAL_NAMES = {"comma": ",", "point": "."}
BAD_CHOICE = _l("Choose one of the options offered.")
OUT_OF_DATE = _l("This form is out of date: reload the page and choose again.")


def read_choices(form, entity: str, current_encoding: str | None = None) -> dict:
    """The choices a mapping form posts, checked: ``encoding``, ``delimiter``, ``sheet``,
    ``date_order``, ``decimal`` (each only when posted), ``mapping`` from the ``col_<index>``
    selects, and the ``shape`` of the header row they were shown for (required).
    A value the form never offers is a ValidationError (the encoding detected before,
    ``current_encoding``, is offered too)."""
    from .reading import ENCODINGS, MAX_COLUMNS
    from .values import DATE_ORDERS

    errors, choices = {}, {}
    encoding = form.get("encoding")
    if encoding:
        if encoding not in ENCODINGS and encoding != current_encoding:
            errors["encoding"] = BAD_CHOICE
        choices["encoding"] = encoding
    tables = {
        "delimiter": DELIMITER_NAMES,
        "decimal": DECIMAL_NAMES,
        "date_order": {k: k for k in DATE_ORDERS},
    }
    for key, allowed in tables.items():
        value = form.get(key)
        if value:
            if value not in allowed:
                errors[key] = BAD_CHOICE
            choices[key] = allowed.get(value)
    sheet = form.get("sheet")
    if sheet:
        if len(sheet) > 31 or any(ord(ch) < 32 for ch in sheet):
            errors["sheet"] = BAD_CHOICE
        choices["sheet"] = sheet
    shape = form.get("shape") or ""
    if len(shape) != 64 or not all(ch in "0123456789abcdef" for ch in shape):
        errors["shape"] = OUT_OF_DATE
    keys = {f.key for f in fields_for(entity)}
    mapping = {}
    for index in range(MAX_COLUMNS):
        key = form.get(f"col_{index}")
        if key:
            if key not in keys:
                errors[f"col_{index}"] = BAD_CHOICE
            mapping[index] = key
    if errors:
        raise ValidationError(errors)
    choices["shape"], choices["mapping"] = shape, mapping
    return choices
