"""What a deal is expected to bring: its forecast category, and the sales targets it counts
towards."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, UniqueConstraint, case
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..locale import N_
from ._base import Money, UTCDateTime, utcnow
from .user import BusinessLine, User

# The categories a person may set on an open deal, most certain first. "Closed" is not one:
# won deals are counted as won.
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline", "omitted")
FORECAST_CATEGORY_LABELS = {
    "commit": N_("Commit"),
    "best_case": N_("Best case"),
    "pipeline": N_("Pipeline"),
    "omitted": N_("Omitted"),
}
# A deal whose category is not set follows its probability (which follows its stage).
COMMIT_FROM, BEST_CASE_FROM = 70, 40


def category_for(probability: int | None) -> str:
    """The category a deal with this probability has until someone sets one."""
    probability = probability or 0
    if probability >= COMMIT_FROM:
        return "commit"
    return "best_case" if probability >= BEST_CASE_FROM else "pipeline"


def category_expression(category_column, probability_column):
    """SQL for a deal's category: the one set on it, else the one of its probability."""
    return db.func.coalesce(
        category_column,
        case(
            (probability_column >= COMMIT_FROM, "commit"),
            (probability_column >= BEST_CASE_FROM, "best_case"),
            else_="pipeline",
        ),
    )


class SalesTarget(db.Model):
    """The amount one owner is expected to win in one month of one business line; a
    quarter's or a year's target is the sum of its months."""

    __tablename__ = "sales_targets"
    __table_args__ = (UniqueConstraint("owner_id", "business_line_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    business_line_id: Mapped[int] = mapped_column(
        ForeignKey("business_lines.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    amount: Mapped[Decimal] = mapped_column(Money)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    business_line: Mapped[BusinessLine] = relationship()

    def __repr__(self) -> str:
        return f"<SalesTarget {self.owner_id} {self.month:%Y-%m} {self.amount}>"
