"""What happens around a deal: activities, notes and documents."""

from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import TimestampMixin, UTCDateTime, utcnow
from .account import Contact
from .user import User

ACTIVITY_KINDS = ("call", "meeting", "visit", "task", "email", "deadline")  # default types
MAX_DURATION_MINUTES = 7 * 24 * 60


class Activity(TimestampMixin, db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_opp_due", "opportunity_id", "done", "due_at"),
        Index("ix_activities_owner_due", "owner_id", "done", "due_at"),
        Index("ix_activities_done_due", "done", "due_at"),  # everyone's, by due date
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    kind: Mapped[str] = mapped_column(String(20), default="task")  # an ActivityType key
    subject: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    contact: Mapped[Contact | None] = relationship()
    owner: Mapped[User | None] = relationship()
    opportunity = relationship("Opportunity", viewonly=True)

    @property
    def ends_at(self) -> datetime | None:
        if self.due_at is None:
            return None
        return self.due_at + timedelta(minutes=self.duration_minutes or 0)

    def is_overdue(self, now: datetime | None = None) -> bool:
        return bool(not self.done and self.due_at and self.due_at < (now or utcnow()))


class Note(TimestampMixin, db.Model):
    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_opp", "opportunity_id", "pinned", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)

    author: Mapped[User | None] = relationship()


class Document(db.Model):
    """A file attached to a deal, stored outside static under a generated name."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()


class CalendarFeed(db.Model):
    """A user's iCalendar feed (one per user). Its URL carries an HMAC of the random
    ``nonce`` under the app's secret key, so the database alone does not give the URL away;
    a new nonce revokes the old URL."""

    __tablename__ = "calendar_feeds"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
