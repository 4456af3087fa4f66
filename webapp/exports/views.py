"""``GET /<list>/export``: the list's rows as a CSV or XLSX download (see ``choice`` for the
query parameters). CSV streams batch by batch; XLSX is written to a temporary file first (a
zip cannot be streamed before it is complete) and then streamed from it."""

import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, request, stream_with_context
from flask_login import current_user

from . import choice as choices
from .writers import csv_chunks, write_xlsx

bp = Blueprint("exports", __name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(entity: str):
    chosen = choices.from_args(current_user, entity, request.args)
    name = f"{choices.FILE_NAMES[entity]}-{date.today().isoformat()}.{chosen.format}"
    if chosen.format == "xlsx":
        path = _xlsx_file(chosen, sheet=str(choices.SHEET_NAMES[entity]))
        response = Response(_chunks_of(path), mimetype=XLSX_TYPE)
        response.call_on_close(lambda: path.unlink(missing_ok=True))
    else:
        csv_file = stream_with_context(csv_chunks(chosen))
        response = Response(csv_file, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _xlsx_file(chosen, sheet: str) -> Path:
    """The XLSX written to a temporary file (errors surface before the response starts)."""
    handle, name = tempfile.mkstemp(prefix="opportuno-export-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        write_xlsx(chosen, name, sheet=sheet)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _chunks_of(path: Path, size: int = 256 * 1024) -> Iterator[bytes]:
    """The file's bytes, then the file is removed."""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


@bp.get("/opportunities/export")
def opportunities():
    """Deals: ``format``, ``sep``, ``scope``, ``ids``, ``columns``, ``cols`` and the list's
    filters (``q``, ``owner``, ``status``...)."""
    return _download("opportunity")


@bp.get("/accounts/export")
def accounts():
    """Accounts: as the deals, with the accounts list's filter ``q``."""
    return _download("account")


@bp.get("/contacts/export")
def contacts():
    """Contacts: as the deals, with the contacts list's filter ``q``."""
    return _download("contact")


@bp.get("/leads/export")
def leads():
    """Leads: as the deals, with the leads list's filters ``q`` and ``status``."""
    return _download("lead")
