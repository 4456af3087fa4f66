"""One-time links that let a person choose their password: an invitation or an admin's reset."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import UTCDateTime, utcnow
from .user import User

LINK_PURPOSES = ("invite", "reset")


class AccessLink(db.Model):
    """The link carries a random secret; the row keeps only its SHA-256. A link works once,
    until ``expires_at``, and not after it is revoked (a newer link for the same user and
    purpose revokes the older one)."""

    __tablename__ = "access_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")

    def is_live(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > now
