"""The timeline: one row per change to a deal (who, when, what, field, old and new value)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import UTCDateTime, utcnow
from .user import User


class TimelineEntry(db.Model):
    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_opp_created", "opportunity_id", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # created, updated, stage, won, lost, reopened, note, activity, document, line, contact...
    action: Mapped[str] = mapped_column(String(30))
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()
