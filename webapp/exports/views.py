"""``GET /<list>/export``: the list's rows as a CSV or XLSX download (see ``choice`` for the
query parameters). CSV streams batch by batch; XLSX is written to a temporary file first (a
zip cannot be streamed before it is complete) and then streamed from it."""

import tempfile
from datetime import date

from flask import Blueprint, Response, request, send_file, stream_with_context
from flask_login import current_user

from . import choice as choices
from .writers import csv_chunks, write_xlsx

bp = Blueprint("exports", __name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(entity: str):
    chosen = choices.from_args(current_user, entity, request.args)
    name = f"{choices.FILE_NAMES[entity]}-{date.today().isoformat()}.{chosen.format}"
    if chosen.format == "xlsx":
        target = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response)
        write_xlsx(chosen, target, sheet=choices.FILE_NAMES[entity].capitalize())
        target.seek(0)
        return send_file(target, mimetype=XLSX_TYPE, as_attachment=True, download_name=name)
    response = Response(stream_with_context(csv_chunks(chosen)), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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
