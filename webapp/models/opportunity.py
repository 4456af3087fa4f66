"""The opportunity (deal) and what hangs off it: contacts, partners, lines, stage history."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Computed,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._base import (
    ZERO,
    ImportedMixin,
    Money,
    TimestampMixin,
    TrashMixin,
    UTCDateTime,
    utcnow,
)
from .account import Account, Contact
from .catalog import LostReason, Product, Source, Tag
from .forecast import category_for
from .pipeline import Pipeline, Stage
from .term_end import term_end_sql
from .user import BusinessLine, User

STATUSES = ("open", "won", "lost")
CONTACT_ROLES = ("decision_maker", "technical", "finance", "influencer", "user", "other")
KEY_CONTACT_ROLES = ("decision_maker", "technical", "finance")
ACCOUNT_ROLES = ("partner", "competitor")
BOARD_TOTALS_COLUMNS = (
    "amount",
    "probability",
    "deleted_at",
    "business_line_id",
    "close_date",
    "account_id",
)

opportunity_tags = Table(
    "opportunity_tags",
    db.metadata,
    Column("opportunity_id", ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Opportunity(TimestampMixin, TrashMixin, ImportedMixin, db.Model):
    """One real sale, moved through the stages of a pipeline until won or lost."""

    __tablename__ = "opportunities"
    __table_args__ = (
        # The board: open deals of one stage, in card order.
        Index("ix_opportunities_board", "stage_id", "status", "position"),
        # Board column totals (count, sum, weighted sum) read from an index alone, for
        # everyone's deals and for one owner's (migration 0002); the owner's also serves any
        # lookup by owner (and status): 0016_importbulk.
        Index(
            "ix_opportunities_board_totals",
            "status",
            "pipeline_id",
            "stage_id",
            "owner_id",
            *BOARD_TOTALS_COLUMNS,
        ),
        Index(
            "ix_opportunities_board_owner_totals",
            "owner_id",
            "status",
            "pipeline_id",
            "stage_id",
            *BOARD_TOTALS_COLUMNS,
        ),
        Index("ix_opportunities_bl_status", "business_line_id", "status"),
        Index("ix_opportunities_account", "account_id"),
        Index("ix_opportunities_primary_contact", "primary_contact_id"),
        Index("ix_opportunities_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    primary_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    business_line_id: Mapped[int] = mapped_column(ForeignKey("business_lines.id"))
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"), index=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    probability: Mapped[int] = mapped_column(Integer, default=0)
    probability_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    # False while the amount was left at zero: it then follows the product lines.
    amount_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    objective: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    close_date: Mapped[date | None] = mapped_column(Date)
    revenue_low: Mapped[Decimal | None] = mapped_column(Money)
    revenue_high: Mapped[Decimal | None] = mapped_column(Money)
    # None: the category follows the probability (models.forecast.category_for).
    forecast_category: Mapped[str | None] = mapped_column(String(12))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    lost_reason_id: Mapped[int | None] = mapped_column(ForeignKey("lost_reasons.id"))
    lost_note: Mapped[str | None] = mapped_column(Text)
    # The stage a lost deal left when it closed (None when open, won, or created lost).
    lost_from_stage_id: Mapped[int | None] = mapped_column(ForeignKey("stages.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_months: Mapped[int | None] = mapped_column(Integer)
    # When the contract term ends, computed by the database (models.term_end).
    term_end: Mapped[date | None] = mapped_column(Date, Computed(term_end_sql(), persisted=True))
    custom: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    # The version moves once per transaction (webapp.transactions), not once per flush.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    account: Mapped[Account | None] = relationship()
    primary_contact: Mapped[Contact | None] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    business_line: Mapped[BusinessLine] = relationship()
    pipeline: Mapped[Pipeline] = relationship()
    stage: Mapped[Stage] = relationship(foreign_keys=[stage_id])
    source: Mapped[Source | None] = relationship()
    lost_reason: Mapped[LostReason | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=opportunity_tags, order_by=Tag.name)
    lines: Mapped[list["OpportunityLine"]] = relationship(
        back_populates="opportunity",
        order_by="OpportunityLine.position",
        cascade="all, delete-orphan",
    )
    contact_links: Mapped[list["OpportunityContact"]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan"
    )
    account_links: Mapped[list["OpportunityAccount"]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan"
    )

    @property
    def forecast(self) -> Decimal:
        """Weighted amount: amount x probability."""
        return (self.amount or ZERO) * Decimal(self.probability or 0) / Decimal(100)

    @property
    def effective_forecast_category(self) -> str:
        """The category set on the deal, else the one of its probability."""
        return self.forecast_category or category_for(self.probability)

    @property
    def lines_total(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), ZERO)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def days_in_stage(self, now: datetime | None = None) -> int:
        return max(0, ((now or utcnow()) - self.stage_entered_at).days)

    def is_rotting(self, now: datetime | None = None) -> bool:
        days = self.stage.rotting_days
        return bool(self.is_open and days and self.days_in_stage(now) > days)

    def __repr__(self) -> str:
        return f"<Opportunity {self.id} {self.name!r}>"


# The deals list's sorts read from an index, forwards or backwards (migration 0006_list):
# by close date (the default: a status, and the user's own or everyone's) and by amount,
# ties by id, among the deals not in the trash.
Index(
    "ix_opportunities_list_close",
    Opportunity.deleted_at,
    Opportunity.status,
    Opportunity.close_date,
    Opportunity.id,
)
Index(
    "ix_opportunities_list_any_close",
    Opportunity.deleted_at,
    Opportunity.close_date,
    Opportunity.id,
)
Index(
    "ix_opportunities_list_owner_close",
    Opportunity.deleted_at,
    Opportunity.owner_id,
    Opportunity.status,
    Opportunity.close_date,
    Opportunity.id,
)
Index("ix_opportunities_list_amount", Opportunity.deleted_at, Opportunity.amount, Opportunity.id)
# Its totals (count, sum, weighted sum) read from an index alone.
Index(
    "ix_opportunities_list_totals",
    Opportunity.deleted_at,
    Opportunity.status,
    Opportunity.owner_id,
    Opportunity.business_line_id,
    Opportunity.amount,
    Opportunity.probability,
)
# The reports read their figures from an index alone (migration 0011_reportspeed), whatever
# the filters (business line, pipeline, owner) and the trash: REPORT_OPEN for the open deals by
# expected close date (forecast), REPORT_STAGES for those of a pipeline per stage, longest
# there first (pipeline value, time in stage), REPORT_CLOSED for the deals won or lost by
# closing time (won/lost, forecast, estimate accuracy) and their contract terms (renewals).
REPORT_OPEN = (
    "deleted_at",
    "status",
    "close_date",
    "business_line_id",
    "pipeline_id",
    "owner_id",
    "stage_id",
    "probability",
    "forecast_category",
    "amount",
    "revenue_low",
    "revenue_high",
)
REPORT_STAGES = (
    "deleted_at",
    "status",
    "pipeline_id",
    "stage_id",
    "stage_entered_at",
    "business_line_id",
    "owner_id",
    "amount",
    "probability",
    "created_at",
)
REPORT_CLOSED = (
    "deleted_at",
    "status",
    "closed_at",
    "business_line_id",
    "pipeline_id",
    "owner_id",
    "lost_reason_id",
    "lost_from_stage_id",
    "amount",
    "objective",
    "created_at",
    "close_date",
    "contract_start",
    "contract_months",
)
Index("ix_opportunities_report_open", *(getattr(Opportunity, c) for c in REPORT_OPEN))
Index("ix_opportunities_report_stages", *(getattr(Opportunity, c) for c in REPORT_STAGES))
Index("ix_opportunities_report_closed", *(getattr(Opportunity, c) for c in REPORT_CLOSED))
# The won contracts whose term ends in a period (the renewals report), from the index alone.
REPORT_TERMS = (
    "deleted_at",
    "status",
    "term_end",
    "business_line_id",
    "pipeline_id",
    "owner_id",
    "contract_months",
    "amount",
)
Index("ix_opportunities_report_terms", *(getattr(Opportunity, c) for c in REPORT_TERMS))


class OpportunityContact(db.Model):
    """A contact involved in a deal, with their role (the buying committee)."""

    __tablename__ = "opportunity_contacts"
    __table_args__ = (UniqueConstraint("opportunity_id", "contact_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    role: Mapped[str] = mapped_column(String(30), default="other")

    opportunity: Mapped[Opportunity] = relationship(back_populates="contact_links")
    contact: Mapped[Contact] = relationship()


class OpportunityAccount(db.Model):
    """A partner or competitor account linked to a deal."""

    __tablename__ = "opportunity_accounts"
    __table_args__ = (UniqueConstraint("opportunity_id", "account_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(255))

    opportunity: Mapped[Opportunity] = relationship(back_populates="account_links")
    account: Mapped[Account] = relationship()


class OpportunityLine(db.Model):
    """A product line: quantity x unit price less a percentage discount."""

    __tablename__ = "opportunity_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    description: Mapped[str | None] = mapped_column(String(255))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    discount: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=ZERO)
    position: Mapped[int] = mapped_column(Integer, default=0)

    opportunity: Mapped[Opportunity] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()

    @property
    def subtotal(self) -> Decimal:
        gross = Decimal(self.quantity or 0) * Decimal(self.unit_price or 0)
        net = gross * (Decimal(100) - Decimal(self.discount or 0)) / Decimal(100)
        return net.quantize(Decimal("0.01"))


class StageHistory(db.Model):
    """When a deal entered and left each stage: the source of time-in-stage reports."""

    __tablename__ = "stage_history"
    __table_args__ = (
        # Covering the reports' reads of a deal's visits (funnel, time in stage).
        Index("ix_stage_history_opp", "opportunity_id", "entered_at", "stage_id", "left_at"),
        Index("ix_stage_history_stage", "stage_id", "entered_at"),
        # Time in stage: the visits of a stage ended in a period (count, mean), and in order
        # of length (median), read from the index alone (migration 0014_reportspeed).
        Index("ix_stage_history_left", "stage_id", "left_at", "days", "opportunity_id"),
        Index("ix_stage_history_days", "stage_id", "days", "left_at", "opportunity_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("stages.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # left_at - entered_at in days, written with left_at (opportunities.history.leaving).
    days: Mapped[float | None] = mapped_column(Float)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    stage: Mapped[Stage] = relationship()


class FunnelDay(db.Model):
    """The conversion funnel's summary of the stage history (reports.funnel_days keeps it):
    how many visits into an open stage began on ``day``, by the day the deal last entered
    the same stage before (``prev_day``; NEVER for a first entry), whether the deal moved on
    from that visit and whether it is won now. Rows of ``stage_id`` 0 count every open-stage
    visit of the pipeline by the day the deal last entered any open stage before: the deals
    in the funnel. One row per key, its visits added to by each change."""

    __tablename__ = "funnel_days"
    __table_args__ = (
        UniqueConstraint("pipeline_id", "day", "stage_id", "prev_day", "moved", "won"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(Integer)  # 0: any open stage
    day: Mapped[date] = mapped_column(Date)
    prev_day: Mapped[date] = mapped_column(Date)
    moved: Mapped[bool] = mapped_column(Boolean)
    won: Mapped[bool] = mapped_column(Boolean)
    visits: Mapped[int] = mapped_column(Integer)


class StageVisitDay(db.Model):
    """The time-in-stage report's summary of the stage history (reports.visit_days keeps
    it): how many visits to a stage ended (``left_at``) on ``day`` and their summed length
    in days. One row per stage and day, added to by each change."""

    __tablename__ = "stage_visit_days"
    __table_args__ = (UniqueConstraint("stage_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    visits: Mapped[int] = mapped_column(Integer)
    days: Mapped[float] = mapped_column(Float)
