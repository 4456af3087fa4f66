"""The renewals plugin's tables: typed links between deals and per-business-line policies."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models import BusinessLine, Opportunity, User
from webapp.models._base import UTCDateTime, utcnow

KINDS = ("renewal", "upsell", "copy")
LINK_LABELS = {"renewal": "renewal of", "upsell": "upsell of", "copy": "copy of"}


class DealLink(db.Model):
    """``opportunity`` was created from ``source`` as a renewal, an upsell or a plain copy.

    A deal has at most one origin. ``renewal_of_id`` is set (to ``source_id``) only on the live
    renewal of a deal: its unique index makes "one renewal per deal" hold even when two bulk
    runs race.
    """

    __tablename__ = "renewal_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    renewal_of_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[Opportunity] = relationship(foreign_keys=[source_id])
    opportunity: Mapped[Opportunity] = relationship(foreign_keys=[opportunity_id])
    created_by: Mapped[User | None] = relationship()


class RenewalPolicy(db.Model):
    """Auto-renewal for one business line: renew won deals ``days_before`` their term ends."""

    __tablename__ = "renewal_policies"
    business_line_id: Mapped[int] = mapped_column(
        ForeignKey("business_lines.id", ondelete="CASCADE"), primary_key=True
    )
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=False)
    days_before: Mapped[int] = mapped_column(Integer, default=60)
    uplift: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    business_line: Mapped[BusinessLine] = relationship()
