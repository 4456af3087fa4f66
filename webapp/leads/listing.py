"""The list of leads on the list engine: columns, filters, sort, keyset pages."""

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from ..accounts.services import PER_PAGE, like_pattern
from ..extensions import db
from ..inputs import integer, search_text
from ..listing.engine import (
    Column,
    ListResult,
    ListSpec,
    ListState,
    keyset_page,
    owned_by,
    owner_param,
)
from ..models import Lead, Source, User
from ..models.lead import LEAD_STATUSES
from .services import OPEN_STATUSES, visible_leads

COLUMNS = {
    c.key: c
    for c in (
        Column("name", "Name", lambda: Lead.last_name, nullable=False),
        Column("company", "Company", lambda: Lead.company),
        Column("title", "Job title", lambda: Lead.title),
        Column("email", "Email", lambda: Lead.email),
        Column("phone", "Phone", lambda: Lead.phone),
        Column("status", "Status", lambda: Lead.status, nullable=False),
        Column(
            "owner",
            "Owner",
            lambda: select(User.name).where(User.id == Lead.owner_id).scalar_subquery(),
        ),
        Column("created", "Created", lambda: Lead.created_at, nullable=False),
        Column("updated", "Updated", lambda: Lead.updated_at, nullable=False),
    )
}
SPEC = ListSpec(
    entity="lead",
    model=Lead,
    columns=COLUMNS,
    default_columns=("name", "company", "email", "status", "owner", "created"),
    default_sort="-created",
    per_page=PER_PAGE,
)
STATUS_FILTERS = {
    "open": "Open",
    "all": "All",
    **{s: s.capitalize() for s in LEAD_STATUSES if s not in OPEN_STATUSES},
    **{s: s.capitalize() for s in OPEN_STATUSES},
}


def filters_from(args) -> dict:
    owner = owner_param(args, "all")
    status = args.get("status") or "open"
    return {
        "text": search_text(args.get("q")),
        "owner": owner,
        "status": status if status in STATUS_FILTERS else "open",
        "source_id": integer(args.get("source"), minimum=1),
    }


def matching_leads(user: User, args) -> Select:
    """The leads the user sees (not in the trash) matching the filters in ``args``;
    every word of the search must match the name, company or email."""
    filters = filters_from(args)
    query = select(Lead).where(Lead.deleted_at.is_(None), visible_leads(user))
    if filters["status"] == "open":
        query = query.where(Lead.status.in_(OPEN_STATUSES))
    elif filters["status"] != "all":
        query = query.where(Lead.status == filters["status"])
    query = owned_by(query, Lead.owner_id, filters["owner"], user)
    if filters["source_id"]:
        query = query.where(Lead.source_id == filters["source_id"])
    for word in filters["text"].split()[:10]:
        pattern = like_pattern(word)
        columns = (Lead.first_name, Lead.last_name, Lead.company, Lead.email)
        query = query.where(or_(*(func.lower(c).like(pattern, escape="\\") for c in columns)))
    return query


def list_leads(user: User, args) -> ListResult:
    """One page of leads as ``args`` ask, with the count of every matching lead."""
    state = ListState.from_args(SPEC, args, SPEC.columns)
    query = matching_leads(user, args)
    column = SPEC.columns[state.sort_key]
    page = keyset_page(
        query,
        Lead,
        column.sort(),
        state,
        SPEC.per_page,
        [joinedload(Lead.owner).lazyload("*")],
        nullable=column.nullable,
    )
    page.totals = {
        "count": db.session.scalar(query.with_only_columns(func.count(Lead.id)).order_by(None))
    }
    return ListResult(SPEC, page, state, SPEC.columns, filters_from(args))


def source_choices() -> list[Source]:
    return list(db.session.scalars(select(Source).order_by(Source.name)))
