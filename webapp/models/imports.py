"""Import runs: who brought which file in, what it did, and the rows it rejected."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import UTCDateTime, utcnow
from .user import User

IMPORT_ENTITIES = ("opportunity", "account", "contact", "lead")
IMPORT_STATUSES = ("uploaded", "queued", "running", "done", "failed", "undone")
IMPORT_MODES = ("all_or_nothing", "good_rows")


class ImportRun(db.Model):
    """One file imported (or dry-run) by one user; the records it created point back here."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    entity: Mapped[str] = mapped_column(String(30))
    filename: Mapped[str] = mapped_column(String(255))
    # Where the uploaded file is kept while the run waits (inside UPLOAD_FOLDER).
    stored_path: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="uploaded", index=True)
    mode: Mapped[str] = mapped_column(String(20), default="all_or_nothing")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # How the file was read and mapped: encoding, delimiter, date order, column mapping.
    options: Mapped[dict | None] = mapped_column(JSON)
    # When the browser sent the choices kept in ``options`` (its clock, in microseconds): an
    # older request reaching the server after them is not kept (imports.services.save_choices).
    choices_sent: Mapped[int | None] = mapped_column(BigInteger)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When it was last handed to the worker (None: when created, as the CLI queues it).
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])


class ImportReject(db.Model):
    """A row an import did not save: its line in the file, the column and the reason."""

    __tablename__ = "import_rejects"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("import_runs.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(500))
    # The row's cells as read, so the report can be fixed and imported again.
    values: Mapped[list | None] = mapped_column(JSON)


class ImportMapping(db.Model):
    """The column mapping a user chose for one file shape (its normalised header row)."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("user_id", "entity", "shape"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(30))
    shape: Mapped[str] = mapped_column(String(64))
    mapping: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
