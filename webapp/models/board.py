"""The board's stored column totals."""

from decimal import Decimal

from sqlalchemy import Integer, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class BoardTotal(db.Model):
    """The open deals outside the trash, counted and summed per pipeline, stage, owner and
    business line, so that a board's column totals need not read the deals.

    Written by database triggers on ``opportunities`` (webapp/board/totals.py), in the
    transaction of whatever statement changes a deal (on SQLite an import's batch adds its
    new deals in one statement instead: ``totals.bulk_insert``). Amounts are kept
    exactly, as whole cents (and cents x probability percent for the weighted amount).
    A derived table: a copy of the database rebuilds it (``totals.install``) rather than
    copying it."""

    __tablename__ = "board_totals"

    pipeline_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stage_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    business_line_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    deals: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[Decimal] = mapped_column(Numeric(24, 0))
    weighted_cents: Mapped[Decimal] = mapped_column(Numeric(26, 0))  # cents x percent


# A row here, inside a transaction, pauses SQLite's per-row insert trigger of the totals for
# that transaction (board.totals.bulk_insert); empty otherwise.
board_totals_paused = db.Table(
    "board_totals_paused", db.Column("paused", Integer, primary_key=True, autoincrement=False)
)
