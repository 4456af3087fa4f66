"""Board queries and card placement.

A board render runs a fixed number of statements whatever the number of deals: the column
totals (one aggregate over the stored totals, board/totals.py; computed from the deals, on
ix_opportunities_board_totals, when a filter beyond the owner narrows it), the first cards
of every column as rows (one UNION ALL of per-stage LIMIT queries on ix_opportunities_board,
with owner, stage, account and next open activity joined), and their tags when the cards
show them (one). An admin or manager whose URL names no owner costs one more: do they own
an open deal here (ix_opportunities_board_owner_totals)?
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple
from urllib.parse import urlencode

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, and_, bindparam, cast, func, or_, select, union_all, update
from sqlalchemy.orm import joinedload

from .. import permissions
from ..activities.services import no_open_activity
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..inputs import integer, integers
from ..models import (
    Account,
    Activity,
    BoardTotal,
    LostReason,
    Opportunity,
    Pipeline,
    Stage,
    Tag,
    User,
    opportunity_tags,
)
from ..models._base import utcnow
from ..models.user import user_business_lines
from ..transactions import transactional
from .totals import amounts as stored_amounts

PAGE_SIZE = 25
DENSITIES = ("compact", "comfortable")  # what a card shows (User.board_density)
DENSITY_LABELS = {"compact": _l("Compact"), "comfortable": _l("Comfortable")}
CLOSE_PERIODS = {
    "overdue": _l("Overdue"),
    "this_month": _l("This month"),
    "next_month": _l("Next month"),
    "this_quarter": _l("This quarter"),
    "next_quarter": _l("Next quarter"),
    "this_year": _l("This year"),
    "none": _l("No close date"),
}


@dataclass
class BoardFilters:
    """What the filter bar narrows the board to; lives in the URL's query string."""

    owner: str = "me"  # "me", "all" or a user id
    tag_ids: list[int] = field(default_factory=list)
    account_id: int | None = None
    close: str = ""
    no_activity: bool = False  # only deals without an open next activity
    # True when the URL named no owner and the user, owning no open deal here, sees all.
    everyone_by_default: bool = False

    @classmethod
    def from_args(cls, args) -> "BoardFilters":
        """From a MultiDict of query arguments; unknown or malformed values are ignored."""
        owner = (args.get("owner") or "me").strip()
        if owner not in ("me", "all"):
            owner = str(integer(owner, minimum=1) or "me")
        close = args.get("close") or ""
        return cls(
            owner=owner,
            tag_ids=sorted(set(integers(args.getlist("tag")))),
            account_id=integer(args.get("account_id"), minimum=1),
            close=close if close in CLOSE_PERIODS else "",
            no_activity=args.get("no_activity") == "1",
        )

    def query_args(self) -> dict:
        """Query arguments reproducing these filters (for links and the URL bar)."""
        args = {
            "owner": self.owner,
            "tag": self.tag_ids or None,
            "account_id": self.account_id,
            "close": self.close or None,
            "no_activity": "1" if self.no_activity else None,
        }
        return {key: value for key, value in args.items() if value not in (None, "", [])}

    def query_string(self) -> str:
        return urlencode(self.query_args(), doseq=True)

    @property
    def narrowed(self) -> bool:
        """True when anything beyond the owner narrows the board."""
        return bool(self.tag_ids or self.account_id or self.close or self.no_activity)

    @property
    def is_default(self) -> bool:
        """True when the board shows what it shows without any filter in the URL."""
        default_owner = "all" if self.everyone_by_default else "me"
        return not self.narrowed and self.owner == default_owner


def board_filters(user: User, pipeline: Pipeline, args) -> BoardFilters:
    """The filters of a board request. Without an owner in the URL the board shows the
    user's deals, except to an admin or manager who owns no open deal in this pipeline:
    they see everyone's (one indexed query, only in that case)."""
    filters = BoardFilters.from_args(args)
    if (args.get("owner") or "").strip() or user.role not in ("admin", "manager"):
        return filters
    owns_some = db.session.scalar(
        select(Opportunity.id)
        .where(
            Opportunity.status == "open",
            Opportunity.owner_id == user.id,
            Opportunity.pipeline_id == pipeline.id,
            Opportunity.deleted_at.is_(None),
        )
        .limit(1)
    )
    if owns_some is None:
        filters.owner, filters.everyone_by_default = "all", True
    return filters


@dataclass
class Totals:
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)


@dataclass
class Column:
    stage: Stage
    totals: Totals = field(default_factory=Totals)
    cards: list["Card"] = field(default_factory=list)
    offset: int = 0

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.cards) < self.totals.count


@dataclass
class Board:
    pipeline: Pipeline
    filters: BoardFilters
    columns: list[Column]
    closing: list[Stage]  # the won/lost drop zones
    extras: "CardExtras"

    @property
    def deal_count(self) -> int:
        """The open deals matching the filters, over every column."""
        return sum(column.totals.count for column in self.columns)


class NoPipeline(NotFound):
    """The user (or the business line asked for) has no pipeline yet."""

    def __init__(self):
        super().__init__(_("No pipeline is set up yet."))


def get_pipeline(
    user: User,
    pipeline_id: int | None = None,
    business_line_id: int | None = None,
    visible: list[Pipeline] | None = None,
) -> Pipeline:
    """The pipeline asked for, else the default one of a business line, else the user's
    (picked from ``visible``, their ``visible_pipelines``, when the caller has them).
    NotFound for a pipeline id that does not exist, NoPipeline when there is none to show."""
    from ..opportunities.services import default_pipeline

    if pipeline_id:
        pipeline = db.session.get(Pipeline, pipeline_id)
    elif business_line_id:
        pipeline = db.session.scalars(
            select(Pipeline)
            .where(Pipeline.business_line_id == business_line_id)
            .order_by(Pipeline.is_default.desc(), Pipeline.position, Pipeline.id)
            .limit(1)
        ).first()
    elif visible is not None:  # as default_pipeline orders them
        pipeline = min(visible, key=lambda p: (not p.is_default, p.position, p.id), default=None)
    else:
        pipeline = default_pipeline(user)
    if pipeline is None:
        raise NotFound(_("This pipeline does not exist.")) if pipeline_id else NoPipeline()
    permissions.require(
        permissions.can_view_business_line(user, pipeline.business_line_id),
        _("You may not see this pipeline."),
    )
    return pipeline


def visible_pipelines(user: User) -> list[Pipeline]:
    admin = permissions.is_admin(user)
    params = {} if admin else {"line_ids": sorted(user.business_line_ids) or [0]}
    return list(db.session.scalars(_pipelines_statement(admin), params))


@cache
def _pipelines_statement(admin: bool):
    """The pipelines an admin sees (all), or those of the business lines bound as
    ``line_ids``: built once, every board and list runs it."""
    query = (
        select(Pipeline)
        .options(joinedload(Pipeline.business_line))
        .order_by(Pipeline.business_line_id, Pipeline.position, Pipeline.id)
    )
    if not admin:
        query = query.where(Pipeline.business_line_id.in_(bindparam("line_ids", expanding=True)))
    return query


def owner_choices(pipeline: Pipeline) -> list[tuple[int, str]]:
    """(id, name) of the active users working in the pipeline's business line."""
    return list(
        db.session.execute(
            select(User.id, User.name)
            .join(user_business_lines, user_business_lines.c.user_id == User.id)
            .where(
                User.active,
                user_business_lines.c.business_line_id == pipeline.business_line_id,
            )
            .order_by(User.name)
        )
    )


def close_range(period: str, today: date) -> tuple[date | None, date | None]:
    """First and last day of a named close period (None: open-ended)."""
    month = today.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    quarter = month.replace(month=3 * ((today.month - 1) // 3) + 1)
    next_quarter = (quarter + timedelta(days=95)).replace(day=1)
    ranges = {
        "overdue": (None, today - timedelta(days=1)),
        "this_month": (month, next_month - timedelta(days=1)),
        "next_month": (next_month, (next_month + timedelta(days=32)).replace(day=1) - timedelta(1)),
        "this_quarter": (quarter, next_quarter - timedelta(days=1)),
        "next_quarter": (
            next_quarter,
            (next_quarter + timedelta(days=95)).replace(day=1) - timedelta(days=1),
        ),
        "this_year": (today.replace(month=1, day=1), today.replace(month=12, day=31)),
    }
    return ranges[period]


def _clauses(user: User, pipeline: Pipeline, filters: BoardFilters) -> list:
    clauses = [
        Opportunity.status == "open",
        Opportunity.pipeline_id == pipeline.id,
        Opportunity.deleted_at.is_(None),
        permissions.visible_opportunities(user),
    ]
    if filters.owner == "me":
        clauses.append(Opportunity.owner_id == user.id)
    elif filters.owner.isdigit():
        clauses.append(Opportunity.owner_id == int(filters.owner))
    if filters.tag_ids:
        tagged = select(opportunity_tags.c.opportunity_id).where(
            opportunity_tags.c.tag_id.in_(filters.tag_ids)
        )
        clauses.append(Opportunity.id.in_(tagged))
    if filters.account_id:
        clauses.append(Opportunity.account_id == filters.account_id)
    if filters.no_activity:
        clauses.append(no_open_activity())
    if filters.close == "none":
        clauses.append(Opportunity.close_date.is_(None))
    elif filters.close:
        start, end = close_range(filters.close, utcnow().date())
        if start:
            clauses.append(Opportunity.close_date >= start)
        clauses.append(Opportunity.close_date <= end)
    return clauses


def column_totals(
    user: User, pipeline: Pipeline, filters: BoardFilters, stage_ids=None
) -> dict[int, Totals]:
    """Count, amount and weighted amount per stage over every matching deal (one query):
    read from the stored totals (BoardTotal) unless a filter beyond the owner narrows the
    board, then computed from the deals."""
    if filters.narrowed:
        table, count = Opportunity, func.count()
        cents = cast(func.round(Opportunity.amount * 100), BigInteger)
        amount, weighted = func.sum(cents), func.sum(cents * Opportunity.probability)
        clauses = _clauses(user, pipeline, filters)
    else:
        table, count = BoardTotal, func.sum(BoardTotal.deals)
        amount, weighted = func.sum(BoardTotal.amount_cents), func.sum(BoardTotal.weighted_cents)
        clauses = [
            BoardTotal.pipeline_id == pipeline.id,
            permissions.visible_rows(user, BoardTotal.business_line_id, BoardTotal.owner_id),
        ]
        if filters.owner != "all":
            clauses.append(
                BoardTotal.owner_id == (user.id if filters.owner == "me" else int(filters.owner))
            )
    if stage_ids is not None:
        clauses.append(table.stage_id.in_(list(stage_ids)))
    rows = db.session.execute(
        select(table.stage_id, count, amount, weighted).where(*clauses).group_by(table.stage_id)
    )
    totals = {stage_id: Totals() for stage_id in stage_ids or ()}
    for stage_id, deals, cents, weighted_cents in rows:
        totals[stage_id] = Totals(int(deals), *stored_amounts(cents, weighted_cents))
    return totals


class Card(NamedTuple):
    """What a board card shows of a deal, its stage, owner, account and next open activity,
    read as one row (no ORM object: a board reads 125 and more)."""

    id: int
    name: str
    version: int
    stage_id: int
    position: int
    pipeline_id: int
    business_line_id: int
    amount: Decimal
    currency: str
    close_date: date | None
    stage_entered_at: datetime
    owner_id: int
    owner_name: str
    owner_email: str
    rotting_days: int | None  # of its stage
    account_name: str | None
    activity: str | None  # the next open activity's subject
    activity_due_at: datetime | None


def _next_activity_id():
    """The id of the deal's next open activity (earliest due first, undated last), correlated
    to the deal of the enclosing query (read on ix_activities_opp_due)."""
    return (
        select(Activity.id)
        .where(Activity.opportunity_id == Opportunity.id, Activity.done.is_(False))
        .order_by(Activity.due_at.is_(None), Activity.due_at, Activity.id)
        .limit(1)
        .correlate(Opportunity)
        .scalar_subquery()
    )


_CARD_COLUMNS = (
    *(getattr(Opportunity, key) for key in Card._fields[:12]),
    User.name,
    User.email,
    Stage.rotting_days,
    Account.name,
    Activity.subject,
    Activity.due_at,
)


@cache
def _card_select():
    """The card rows' select without its WHERE: the same columns and joins for every board,
    built once."""
    return (
        select(*_CARD_COLUMNS)
        .join(User, User.id == Opportunity.owner_id)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .outerjoin(Activity, Activity.id == _next_activity_id())
    )


def _card_rows(where, order=()) -> list[Card]:
    rows = db.session.execute(_card_select().where(where).order_by(*order))
    return [Card._make(row) for row in rows]


def card(opportunity_id: int) -> Card:
    """One deal's card row (one query), e.g. to redraw the card after a change."""
    return _card_rows(Opportunity.id == opportunity_id)[0]


def _cards(clauses: list, stage_ids: list[int], offset: int = 0) -> list[Card]:
    """The cards of each stage from ``offset`` on (PAGE_SIZE each), in card order."""
    page = (
        select(Opportunity.id)
        .where(*clauses)
        .order_by(Opportunity.position, Opportunity.id)
        .limit(PAGE_SIZE)
        .offset(offset)
    )
    parts = [
        select(page.where(Opportunity.stage_id == stage_id).subquery()) for stage_id in stage_ids
    ]
    if not parts:
        return []
    ids = union_all(*parts) if len(parts) > 1 else parts[0]
    return _card_rows(Opportunity.id.in_(ids), (Opportunity.position, Opportunity.id))


class NextActivity(NamedTuple):
    opportunity_id: int
    subject: str
    due_at: datetime | None


def next_activities(opportunity_ids) -> dict[int, NextActivity]:
    """The next open activity of each deal (earliest due first, undated last), one query."""
    ids = list(opportunity_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Activity.opportunity_id, Activity.subject, Activity.due_at)
        .where(Activity.opportunity_id.in_(ids), Activity.done.is_(False))
        .order_by(Activity.opportunity_id, Activity.due_at.is_(None), Activity.due_at, Activity.id)
    )
    found: dict[int, NextActivity] = {}
    for row in rows:
        if row[0] not in found:
            found[row[0]] = NextActivity._make(row)
    return found


def card_tags(opportunity_ids) -> dict[int, list[Tag]]:
    """The tags of each deal, by name (one query)."""
    ids = list(opportunity_ids)
    found: dict[int, list[Tag]] = {}
    if ids:
        for opp_id, tag in db.session.execute(
            select(opportunity_tags.c.opportunity_id, Tag)
            .join(Tag, Tag.id == opportunity_tags.c.tag_id)
            .where(opportunity_tags.c.opportunity_id.in_(ids))
            .order_by(Tag.name)
        ):
            found.setdefault(opp_id, []).append(tag)
    return found


@dataclass
class CardExtras:
    """What cards show beyond their own row, read for all of them at once: their tags
    (comfortable cards only)."""

    tags: dict[int, list[Tag]] = field(default_factory=dict)

    @classmethod
    def of(cls, cards, tags: bool) -> "CardExtras":
        return cls(card_tags(card.id for card in cards) if tags else {})


def build_board(user: User, pipeline: Pipeline, filters: BoardFilters, tags: bool = True) -> Board:
    """One column per open stage: totals over every matching deal, the first PAGE_SIZE cards
    and what they show besides (their tags when ``tags``: comfortable cards show them,
    compact ones do not)."""
    stages = pipeline.stages
    columns = {s.id: Column(stage=s) for s in stages if s.kind == "open"}
    for stage_id, totals in column_totals(user, pipeline, filters).items():
        if stage_id in columns:
            columns[stage_id].totals = totals
    shown = [sid for sid, col in columns.items() if col.totals.count]
    cards = _cards(_clauses(user, pipeline, filters), shown)
    for card in cards:
        columns[card.stage_id].cards.append(card)
    return Board(
        pipeline=pipeline,
        filters=filters,
        columns=list(columns.values()),
        closing=[s for s in stages if s.kind != "open"],
        extras=CardExtras.of(cards, tags),
    )


def column_stage(pipeline: Pipeline, stage_id: int) -> Stage:
    """The open stage ``stage_id`` of the pipeline (a column), else NotFound."""
    stage = next((s for s in pipeline.stages if s.id == stage_id and s.kind == "open"), None)
    if stage is None:
        raise NotFound(_("This stage is not a column of this board."))
    return stage


def lost_reasons() -> list[LostReason]:
    """The active lost reasons (the picklist of the lost dialog)."""
    return list(
        db.session.scalars(
            select(LostReason).where(LostReason.active).order_by(LostReason.position)
        )
    )


def account_label(account_id: int | None) -> str:
    """The name the account filter shows (read from the account, not from the URL)."""
    if not account_id:
        return ""
    return db.session.scalar(select(Account.name).where(Account.id == account_id)) or ""


def tag_choices() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


def more_cards(
    user: User,
    pipeline: Pipeline,
    stage: Stage,
    filters: BoardFilters,
    offset: int,
) -> Column:
    """The next page of one column's cards, from ``offset``."""
    totals = column_totals(user, pipeline, filters, [stage.id])[stage.id]
    clauses = _clauses(user, pipeline, filters)
    cards = _cards(clauses, [stage.id], offset=max(0, offset))
    return Column(stage=stage, totals=totals, cards=cards, offset=max(0, offset))


@transactional
def set_density(user: User, density: str) -> None:
    """The user's board density; anything but a known density is refused."""
    if density not in DENSITIES:
        raise ValidationError({"density": _("Choose compact or comfortable cards.")})
    user.board_density = density


@transactional
def move_card(user: User, opp: Opportunity, data) -> Opportunity:
    """A move as the user asked for it, in one transaction: the move dialog's answers to a
    stage gate (``field`` names and their values), the card's place between its new
    neighbours (``before_id``/``after_id``) and the stage move itself (``stage_id``,
    ``version``, ``lost_reason_id`` or ``lost_reason``, ``lost_note``). ``data`` is a
    MultiDict of the form. Refused anywhere (gate, lost reason, permission, stale version):
    nothing is written, and the deal takes one version step when it succeeds."""
    from ..opportunities.services import check_version, move_stage
    from . import gate

    permissions.require_edit(user, opp)
    check_version(opp, data.get("version"))  # once: the steps below share the transaction
    answers = gate.known(data.getlist("field"))
    if answers:
        gate.fill(user, opp, data, answers)
    position = None
    if data.get("before_id") or data.get("after_id"):
        position = placement(opp, data.get("stage_id"), data.get("before_id"), data.get("after_id"))
    return move_stage(
        user,
        opp,
        data.get("stage_id"),
        lost_reason_id=data.get("lost_reason_id") or data.get("lost_reason"),
        lost_note=data.get("lost_note"),
        position=position,
    )


def placement(opp: Opportunity, stage_id: int, before_id=None, after_id=None) -> int | None:
    """The position for ``opp`` dropped in ``stage_id`` just above the card ``before_id``
    (or, without one, just below ``after_id``); None when neither names a card of that
    column (the service then puts it on top). Makes room by shifting the cards below when
    there is no gap, within the caller's transaction."""
    anchor_id, above = (before_id, True) if before_id else (after_id, False)
    anchor_id, stage_id = integer(anchor_id, minimum=1), integer(stage_id, minimum=1)
    if anchor_id is None or stage_id is None or anchor_id == opp.id:
        return None
    anchor = db.session.execute(
        select(Opportunity.position, Opportunity.id).where(
            Opportunity.id == anchor_id,
            Opportunity.stage_id == stage_id,
            Opportunity.status == "open",
        )
    ).first()
    if anchor is None:
        return None
    column = [
        Opportunity.stage_id == stage_id,
        Opportunity.status == "open",
        Opportunity.id != opp.id,
    ]
    at, key = anchor.position, anchor.id
    if above:
        cards_before = or_(
            Opportunity.position < at, and_(Opportunity.position == at, Opportunity.id < key)
        )
        neighbour = db.session.scalar(
            select(Opportunity.position)
            .where(*column, cards_before)
            .order_by(Opportunity.position.desc(), Opportunity.id.desc())
            .limit(1)
        )
        if neighbour is None or neighbour < at - 1:
            return at - 1
        moving_down = or_(Opportunity.position > at, Opportunity.id >= key)
    else:
        cards_after = or_(
            Opportunity.position > at, and_(Opportunity.position == at, Opportunity.id > key)
        )
        neighbour = db.session.scalar(
            select(Opportunity.position)
            .where(*column, cards_after)
            .order_by(Opportunity.position, Opportunity.id)
            .limit(1)
        )
        if neighbour is None or neighbour > at + 1:
            return at + 1
        moving_down = cards_after
    # No gap: the cards from the gap down move two places and the card takes the first.
    db.session.execute(
        update(Opportunity.__table__)
        .where(*column, Opportunity.position >= at, moving_down)
        .values(position=Opportunity.__table__.c.position + 2)
    )
    return at + 1
