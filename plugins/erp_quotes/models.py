"""The plugin's own tables: ERP quotes of an opportunity and the webhook calls already seen."""

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models import Opportunity, User
from webapp.models._base import Money, TimestampMixin, UTCDateTime, utcnow

# Our statuses; each provider maps the ERP's own ones onto these.
PENDING = "pending"  # asked for, not (yet) confirmed by the ERP: can be retried
STATUSES = (PENDING, "draft", "open", "accepted", "lost", "cancelled", "expired")
STATUS_LABELS = {
    PENDING: _l("Pending"),
    "draft": _l("Draft"),
    "open": _l("Sent"),
    "accepted": _l("Accepted"),
    "lost": _l("Lost"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}


class ErpQuote(TimestampMixin, db.Model):
    """One version of a quote for a deal, as last known from the ERP.

    A row starts ``pending`` with the lines it asks for and a ``reference`` unique to this
    request; once the ERP confirms, it holds the ERP's number (``external_id``), status and
    total. ``accepted_total`` keeps the total at acceptance, so later ERP changes show as drift.
    """

    __tablename__ = "erp_quotes"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "version"),
        UniqueConstraint("provider", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(60), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(140))
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    erp_status: Mapped[str | None] = mapped_column(String(40))
    total: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    quoted_on: Mapped[date | None] = mapped_column(Date)
    erp_modified: Mapped[str | None] = mapped_column(String(40))
    request: Mapped[dict] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_total: Mapped[Decimal | None] = mapped_column(Money)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    opportunity: Mapped[Opportunity] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def number(self) -> str:
        return self.external_id or self.reference

    @property
    def is_pending(self) -> bool:
        return self.status == PENDING

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    @property
    def drifted(self) -> bool:
        """Accepted once, and the ERP changed its total or status since."""
        if self.accepted_at is None:
            return False
        return self.status != "accepted" or self.total != self.accepted_total

    def __repr__(self) -> str:
        return f"<ErpQuote {self.number} v{self.version} {self.status}>"


class ErpWebhookDelivery(db.Model):
    """A signed webhook call already accepted: the same signature is refused (replay)."""

    __tablename__ = "erp_quote_webhook_deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(64), unique=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
