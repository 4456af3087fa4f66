"""The list of deals: its columns, filters, sort, keyset pages and totals.

``matching_deals(user, args)`` is THE definition of "the deals the list shows for these
query parameters" (visible, not in the trash, filtered): the page, mass actions on every
matching deal and the export all start from it. ``filters_from(args)`` reads the filters.
"""

from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from .. import permissions
from ..accounts.services import like_pattern
from ..activities.services import no_open_activity
from ..board.services import CLOSE_PERIODS, close_range, next_activities
from ..board.totals import amounts as stored_amounts
from ..extensions import db
from ..inputs import integer, integers, search_text
from ..listing.engine import (
    Column,
    ListResult,
    ListSpec,
    ListState,
    keyset_page,
    owned_by,
    owner_param,
)
from ..locale import current_locale
from ..locale import translate as gettext
from ..models import (
    Account,
    Activity,
    BoardTotal,
    BusinessLine,
    Contact,
    CustomField,
    Opportunity,
    OpportunityContact,
    Pipeline,
    Source,
    Stage,
    User,
    opportunity_tags,
)
from ..models._base import ZERO, utcnow
from ..models.forecast import category_expression
from ..models.user import user_groups
from ..parsing import ParseError, read_date, read_number

PER_PAGE = 50
MAX_AMOUNT = Decimal(10) ** 15
STATUSES = ("open", "won", "lost", "all")
LIST_CLOSE_PERIODS = {**CLOSE_PERIODS, "custom": _l("Custom dates")}


def _name_of(model, fk):
    return lambda: select(model.name).where(model.id == fk).scalar_subquery()


def _weighted():
    return Opportunity.amount * Opportunity.probability


def _category():
    return category_expression(Opportunity.forecast_category, Opportunity.probability)


def _next_due():
    return (
        select(func.min(Activity.due_at))
        .where(Activity.opportunity_id == Opportunity.id, Activity.done.is_(False))
        .scalar_subquery()
    )


COLUMNS = {
    c.key: c
    for c in (
        Column("name", _l("Deal"), lambda: Opportunity.name, nullable=False),
        Column("account", _l("Account"), _name_of(Account, Opportunity.account_id)),
        Column(
            "primary_contact",
            _l("Primary contact"),
            lambda: (
                select(Contact.last_name)
                .where(Contact.id == Opportunity.primary_contact_id, Contact.deleted_at.is_(None))
                .scalar_subquery()
            ),
        ),
        Column(
            "stage",
            _l("Stage"),
            lambda: (
                select(Stage.position).where(Stage.id == Opportunity.stage_id).scalar_subquery()
            ),
            nullable=False,
        ),
        Column(
            "pipeline", _l("Pipeline"), _name_of(Pipeline, Opportunity.pipeline_id), nullable=False
        ),
        Column(
            "business_line",
            _l("Business line"),
            _name_of(BusinessLine, Opportunity.business_line_id),
            nullable=False,
        ),
        Column("owner", _l("Owner"), _name_of(User, Opportunity.owner_id), nullable=False),
        Column("amount", _l("Amount"), lambda: Opportunity.amount, "end", nullable=False),
        Column("weighted", _l("Forecast"), _weighted, "end", nullable=False),
        Column(
            "probability", _l("Probability"), lambda: Opportunity.probability, "end", nullable=False
        ),
        Column("close_date", _l("Close date"), lambda: Opportunity.close_date),
        Column("forecast_category", _l("Forecast category"), _category),
        Column("status", _l("Status"), lambda: Opportunity.status, nullable=False),
        Column("source", _l("Source"), _name_of(Source, Opportunity.source_id)),
        Column("tags", _l("Tags")),
        Column("next_activity", _l("Next activity"), _next_due),
        # Most days in stage = entered longest ago: the column sorts on the negated date.
        Column(
            "days_in_stage",
            _l("Days in stage"),
            lambda: Opportunity.stage_entered_at,
            "end",
            nullable=False,
        ),
        Column("created", _l("Created"), lambda: Opportunity.created_at, nullable=False),
        Column("updated", _l("Updated"), lambda: Opportunity.updated_at, nullable=False),
    )
}
INVERTED = {"days_in_stage"}  # ascending on the column is descending on its expression

SPEC = ListSpec(
    entity="opportunity",
    model=Opportunity,
    columns=COLUMNS,
    default_columns=("name", "account", "stage", "owner", "amount", "weighted", "close_date"),
    default_sort="close_date",
    per_page=PER_PAGE,
)


def custom_columns() -> dict[str, Column]:
    """A column for each custom field of deals (``custom.<key>``), sorted as text."""
    fields = db.session.scalars(
        select(CustomField)
        .where(CustomField.entity == "opportunity")
        .order_by(CustomField.position, CustomField.id)
    )
    return {
        f"custom.{f.key}": Column(
            f"custom.{f.key}", f.label, lambda key=f.key: Opportunity.custom[key].as_string()
        )
        for f in fields
    }


def _choice(value, allowed, default):
    return value if value in allowed else default


def filters_from(args) -> dict:
    """The list's filters read from query parameters; unknown or malformed values are
    dropped (the reason, for values a person typed, under ``errors``)."""
    owner = owner_param(args, "me")
    close = _choice(args.get("close") or "", LIST_CLOSE_PERIODS, "")
    filters = {
        "text": search_text(args.get("q")),
        "owner": owner,
        "team": integer(args.get("team"), minimum=1),
        "status": _choice(args.get("status"), STATUSES, "open"),
        "stage_ids": sorted(set(integers(args.getlist("stage")[:100]))),
        "pipeline_id": integer(args.get("pipeline"), minimum=1),
        "business_line_id": integer(args.get("business_line"), minimum=1),
        "tag_ids": sorted(set(integers(args.getlist("tag")[:100]))),
        "account_id": integer(args.get("account_id"), minimum=1),
        "source_id": integer(args.get("source"), minimum=1),
        "close": close,
        "stale": args.get("stale") == "1",
        "no_activity": args.get("no_activity") == "1",
        "amount_min": None,
        "amount_max": None,
        "close_from": None,
        "close_to": None,
        "errors": {},
    }
    locale = current_locale()
    for key in ("amount_min", "amount_max"):
        typed = search_text(args.get(key))
        if typed:
            try:
                number = read_number(typed, locale)
            except ParseError as exc:
                filters["errors"][key] = str(exc)
            else:
                if abs(number) < MAX_AMOUNT:
                    filters[key] = number
                else:
                    filters["errors"][key] = gettext("This number is too large.")
    if close == "custom":
        for key in ("close_from", "close_to"):
            typed = search_text(args.get(key))
            if typed:
                try:
                    filters[key] = read_date(typed, locale)
                except ParseError as exc:
                    filters["errors"][key] = str(exc)
    return filters


def _search(text: str):
    """Deals whose name, account's name or the full name of a contact of theirs (primary or
    linked with a role, not in the trash) holds ``text``."""
    pattern = like_pattern(text)
    # SQLite's LIKE already ignores case exactly where its lower() folds it (ASCII): the
    # lower() there only costs a function call per row scanned.
    folds = db.session.get_bind().dialect.name != "sqlite"

    def like(column):
        return (func.lower(column) if folds else column).like(pattern, escape="\\")

    named = and_(like(Contact.first_name + " " + Contact.last_name), Contact.deleted_at.is_(None))
    linked = (
        select(OpportunityContact.id)
        .join(Contact, Contact.id == OpportunityContact.contact_id)
        .where(OpportunityContact.opportunity_id == Opportunity.id, named)
        .exists()
    )
    return or_(
        like(Opportunity.name),
        Opportunity.account_id.in_(select(Account.id).where(like(Account.name))),
        Opportunity.primary_contact_id.in_(select(Contact.id).where(named)),
        linked,
    )


def _stale():
    """Open deals longer in their stage than the stage's rotting days."""
    now = utcnow()
    rotting = db.session.execute(
        select(Stage.id, Stage.rotting_days).where(Stage.rotting_days > 0)
    ).all()
    if not rotting:
        return false()
    return and_(
        Opportunity.status == "open",
        or_(
            *(
                and_(
                    Opportunity.stage_id == stage_id,
                    Opportunity.stage_entered_at < now - timedelta(days=days),
                )
                for stage_id, days in rotting
            )
        ),
    )


def matching_deals(user: User, args) -> Select:
    """The deals the user may see that match the list's filters in ``args``, unordered.

    The one definition of "the deals this list shows": the page, mass actions on every
    matching deal and the export all start from it.
    """
    filters = filters_from(args)
    query = select(Opportunity).where(
        Opportunity.deleted_at.is_(None), permissions.visible_opportunities(user)
    )
    query = owned_by(query, Opportunity.owner_id, filters["owner"], user)
    if filters["team"]:
        members = select(user_groups.c.user_id).where(user_groups.c.group_id == filters["team"])
        query = query.where(Opportunity.owner_id.in_(members))
    if filters["status"] in ("open", "won", "lost"):
        query = query.where(Opportunity.status == filters["status"])
    if filters["stage_ids"]:
        query = query.where(Opportunity.stage_id.in_(filters["stage_ids"]))
    for key, column in (
        ("pipeline_id", Opportunity.pipeline_id),
        ("business_line_id", Opportunity.business_line_id),
        ("account_id", Opportunity.account_id),
        ("source_id", Opportunity.source_id),
    ):
        if filters[key]:
            query = query.where(column == filters[key])
    if filters["tag_ids"]:
        tagged = select(opportunity_tags.c.opportunity_id).where(
            opportunity_tags.c.tag_id.in_(filters["tag_ids"])
        )
        query = query.where(Opportunity.id.in_(tagged))
    if filters["amount_min"] is not None:
        query = query.where(Opportunity.amount >= filters["amount_min"])
    if filters["amount_max"] is not None:
        query = query.where(Opportunity.amount <= filters["amount_max"])
    close = filters["close"]
    if close == "none":
        query = query.where(Opportunity.close_date.is_(None))
    elif close == "custom":
        if filters["close_from"]:
            query = query.where(Opportunity.close_date >= filters["close_from"])
        if filters["close_to"]:
            query = query.where(Opportunity.close_date <= filters["close_to"])
    elif close:
        start, end = close_range(close, utcnow().date())
        if start:
            query = query.where(Opportunity.close_date >= start)
        query = query.where(Opportunity.close_date <= end)
    if filters["stale"]:
        query = query.where(_stale())
    if filters["no_activity"]:
        query = query.where(no_open_activity())
    if filters["text"]:
        query = query.where(_search(filters["text"]))
    return query


def _totals(count, amount, weighted) -> dict:
    """The totals as the list shows them (the weighted sum is amount x probability %)."""
    return {
        "count": count or 0,
        "amount": Decimal(amount or 0),
        "weighted": (Decimal(weighted or 0) / 100).quantize(Decimal("0.01")) if weighted else ZERO,
    }


def matching_totals(user: User, args) -> dict:
    """Count, sum of amounts and weighted sum of every deal the list matches for ``args``
    (one query): the figures a list longer than a page fetches after its rows. Read from the
    board's stored totals when the filters are all on their keys (``stored_totals``), else
    computed from the matching deals."""
    stored = stored_totals(user, filters_from(args))
    if stored is not None:
        return stored
    figures = matching_deals(user, args).with_only_columns(
        func.count(Opportunity.id),
        func.coalesce(func.sum(Opportunity.amount), 0),
        func.coalesce(func.sum(_weighted()), 0),
    )
    return _totals(*db.session.execute(figures).one())


# Filters the stored totals (board_totals: open deals, not in the trash, per pipeline, stage,
# owner and business line) cannot answer.
_OFF_KEYS = ("text", "tag_ids", "account_id", "source_id", "close", "stale", "no_activity")
_OFF_KEYS += ("amount_min", "amount_max", "close_from", "close_to")


def stored_totals(user: User, filters: dict) -> dict | None:
    """The list's totals summed from the board's stored totals (a few rows, whatever the
    number of deals) when every filter in ``filters`` is on their keys (open deals; owner,
    team, pipeline, business line, stages); None otherwise. The same figures as counting
    the deals: amounts are kept there as exact cents."""
    if filters["status"] != "open" or any(filters[key] for key in _OFF_KEYS):
        return None
    clauses = [permissions.visible_rows(user, BoardTotal.business_line_id, BoardTotal.owner_id)]
    if filters["owner"] != "all":
        owner = user.id if filters["owner"] == "me" else int(filters["owner"])
        clauses.append(BoardTotal.owner_id == owner)
    if filters["team"]:
        members = select(user_groups.c.user_id).where(user_groups.c.group_id == filters["team"])
        clauses.append(BoardTotal.owner_id.in_(members))
    if filters["stage_ids"]:
        clauses.append(BoardTotal.stage_id.in_(filters["stage_ids"]))
    for key, column in (
        ("pipeline_id", BoardTotal.pipeline_id),
        ("business_line_id", BoardTotal.business_line_id),
    ):
        if filters[key]:
            clauses.append(column == filters[key])
    count, cents, weighted = db.session.execute(
        select(
            func.sum(BoardTotal.deals),
            func.sum(BoardTotal.amount_cents),
            func.sum(BoardTotal.weighted_cents),
        ).where(*clauses)
    ).one()
    amount, weighted = stored_amounts(cents, weighted)
    return {"count": int(count or 0), "amount": amount, "weighted": weighted}


def list_opportunities(user: User, args) -> ListResult:
    """One page of the list as ``args`` ask (filters, columns, sort, cursor); the totals of
    every matching deal when they are all on the page. A constant number of queries whatever
    the page."""
    columns = SPEC.column_list(custom_columns())
    state = ListState.from_args(SPEC, args, columns)
    query = matching_deals(user, args)
    shown = set(state.columns)
    options = [
        joinedload(Opportunity.account),
        joinedload(Opportunity.stage),
        joinedload(Opportunity.owner).options(lazyload(User.groups), lazyload(User.business_lines)),
    ]
    if "tags" in shown:
        options.append(selectinload(Opportunity.tags))
    for key, relation in (
        ("primary_contact", Opportunity.primary_contact),
        ("pipeline", Opportunity.pipeline),
        ("business_line", Opportunity.business_line),
        ("source", Opportunity.source),
    ):
        if key in shown:
            options.append(joinedload(relation))
    sort_column = columns[state.sort_key]
    descending = state.descending != (state.sort_key in INVERTED)
    page = keyset_page(
        query,
        Opportunity,
        sort_column.sort(),
        state,
        SPEC.per_page,
        options,
        descending,
        nullable=sort_column.nullable,
    )
    if not (page.has_previous or page.has_next):  # every matching deal is on this page
        page.totals = _totals(
            len(page.rows),
            sum(r.amount or 0 for r in page.rows),
            sum((r.amount or 0) * (r.probability or 0) for r in page.rows),
        )
    # else the totals are left out: the page asks for them afterwards (matching_totals), so a
    # long list shows its rows without waiting for a count of every matching deal.
    nexts = next_activities(r.id for r in page.rows) if "next_activity" in shown else {}
    return ListResult(SPEC, page, state, columns, filters_from(args), {"next_activities": nexts})


def owner_choices(user: User) -> list:
    """The owners a filter offers ``user``: the active users of their business lines
    (everyone for an admin), as (id, name) rows by name."""
    owners = select(User.id, User.name).where(User.active).order_by(User.name)
    if not permissions.is_admin(user):
        from ..models.user import user_business_lines

        owners = owners.where(
            User.id.in_(
                select(user_business_lines.c.user_id).where(
                    user_business_lines.c.business_line_id.in_(user.business_line_ids or [0])
                )
            )
        )
    return list(db.session.execute(owners))


def filter_choices(user: User) -> dict:
    """What the filter bar offers the user (a fixed number of queries)."""
    from ..board.services import tag_choices, visible_pipelines
    from ..models import Group, Source

    pipelines = visible_pipelines(user)
    stages = db.session.scalars(
        select(Stage)
        .where(Stage.pipeline_id.in_([p.id for p in pipelines] or [0]))
        .order_by(Stage.pipeline_id, Stage.position)
    )
    return {
        "pipelines": pipelines,
        "business_lines": list(dict.fromkeys(p.business_line for p in pipelines)),
        "stages": list(stages),
        "owners": owner_choices(user),
        "teams": list(db.session.scalars(select(Group).order_by(Group.name))),
        "tags": tag_choices(),
        "sources": list(db.session.scalars(select(Source).order_by(Source.name))),
        "close_periods": LIST_CLOSE_PERIODS,
        "statuses": {"open": _l("Open"), "won": _l("Won"), "lost": _l("Lost"), "all": _l("All")},
    }
