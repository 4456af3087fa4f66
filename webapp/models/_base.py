"""Column helpers shared by the models."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Numeric, String, TypeDecorator
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship


def utcnow() -> datetime:
    """Naive UTC now: every timestamp is stored as UTC without tzinfo."""
    return datetime.now(UTC).replace(tzinfo=None)


Money = Numeric(14, 2)
ZERO = Decimal("0")


class UTCDateTime(TypeDecorator):
    """A naive-UTC DateTime that accepts aware datetimes by converting them to UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class TrashMixin:
    """Records deleted from a normal page go to the trash: who and when, restorable."""

    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @declared_attr
    def deleted_by(cls):
        return relationship("User", foreign_keys=[cls.deleted_by_id], viewonly=True)


class ImportedMixin:
    """Where a record came from: its id in the system it was imported from, and the import
    run that created it (that run's undo moves it to the trash)."""

    external_id: Mapped[str | None] = mapped_column(String(120), index=True)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), index=True)
