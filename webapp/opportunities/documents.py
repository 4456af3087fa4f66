"""Documents attached to a deal: validated uploads stored outside static under generated
names, downloaded as attachments."""

import os
import secrets
import unicodedata
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from .. import permissions
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..file_sizes import file_size
from ..models import Document, Opportunity, User
from ..timeline.services import record
from ..transactions import intent

ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Extension -> (content type, the leading bytes the content must start with; None = text).
ALLOWED = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (ZIP,),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (ZIP,),
    ),
    "odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
    "doc": ("application/msword", (OLE,)),
    "xls": ("application/vnd.ms-excel", (OLE,)),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}


def safe_filename(name: str | None) -> str:
    """The user's file name without any path, control characters or leading dots."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    stem, dot, ext = name.rpartition(".")
    if len(name) > 200:
        name = (stem[: 190 - len(ext)] + dot + ext) if dot else name[:200]
    return name or "document"


def _looks_like(head: bytes, ext: str) -> bool:
    _, signatures = ALLOWED[ext]
    if signatures is None:  # text: no NUL byte and valid UTF-8 (or Latin-1-ish) at the start
        return b"\x00" not in head
    return any(head.startswith(sig) for sig in signatures)


def too_large(limit: int) -> ValidationError:
    return ValidationError(
        {"file": _("The file is too large: at most %(size)s.", size=file_size(limit))}
    )


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return data


def upload_document(
    user: User,
    opp: Opportunity,
    stream: BinaryIO | None,
    filename: str | None,
    *,
    folder: str,
    limit: int,
) -> Document:
    """Validate (size, extension, sniffed content) and store a file for the deal."""
    permissions.require_edit(user, opp)
    if stream is None or not filename:
        raise ValidationError({"file": _("Choose a file to upload.")})
    name = safe_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError(
            {
                "file": _(
                    "This type of file is not allowed. Allowed: %(types)s.",
                    types=", ".join(sorted(ALLOWED)),
                )
            }
        )
    data = _read_limited(stream, limit)
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    if not _looks_like(data[:4096], ext):
        raise ValidationError(
            {"file": _("The content of this file is not a .%(ext)s file.", ext=ext)}
        )

    stored = secrets.token_hex(16)
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    target = path / stored
    target.write_bytes(data)
    doc = Document(
        opportunity_id=opp.id,
        filename=name,
        stored_name=stored,
        content_type=ALLOWED[ext][0],
        size=len(data),
        uploaded_by_id=user.id,
    )
    try:
        with intent():
            db.session.add(doc)
            record(opp, user, "document", message=f"Uploaded {name}", new=name)
    except Exception:
        target.unlink(missing_ok=True)  # no row: no file either
        raise
    return doc


def document_file(user: User, opp: Opportunity, document_id, folder: str) -> tuple[Document, str]:
    """The document row and its stored path, for a user who may see the deal."""
    permissions.require_view(user, opp)
    doc = db.session.get(Document, int(document_id))
    if doc is None or doc.opportunity_id != opp.id:
        raise NotFound(_("This document does not exist."))
    path = os.path.join(folder, doc.stored_name)
    if not os.path.isfile(path):
        raise NotFound(_("The file of this document is missing."))
    return doc, path
