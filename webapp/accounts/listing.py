"""The list of accounts on the list engine: columns, filters, sort, keyset pages."""

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..inputs import search_text
from ..listing.engine import (
    Column,
    ListResult,
    ListSpec,
    ListState,
    keyset_page,
    owned_by,
    owner_param,
)
from ..models import Account, User
from . import services


def _like(column, text: str):
    return func.lower(column).like(services.like_pattern(text), escape="\\")


COLUMNS = {
    c.key: c
    for c in (
        Column("name", "Name", lambda: Account.name, nullable=False),
        Column("industry", "Industry", lambda: Account.industry),
        Column("city", "City", lambda: Account.city),
        Column("country", "Country", lambda: Account.country),
        Column("phone", "Phone", lambda: Account.phone),
        Column("email", "Email", lambda: Account.email),
        Column("website", "Website", lambda: Account.website),
        Column("open_deals", "Open deals", align="end"),
        Column(
            "owner",
            "Owner",
            lambda: select(User.name).where(User.id == Account.owner_id).scalar_subquery(),
        ),
        Column("created", "Created", lambda: Account.created_at, nullable=False),
        Column("updated", "Updated", lambda: Account.updated_at, nullable=False),
    )
}
SPEC = ListSpec(
    entity="account",
    model=Account,
    columns=COLUMNS,
    default_columns=("name", "industry", "city", "phone", "open_deals", "owner"),
    default_sort="name",
    per_page=services.PER_PAGE,
)


def filters_from(args) -> dict:
    owner = owner_param(args, "all")
    return {
        "text": search_text(args.get("q")),
        "owner": owner,
        "industry": search_text(args.get("industry"))[:120],
        "country": search_text(args.get("country"))[:80],
    }


def matching_accounts(user: User, args) -> Select:
    """The accounts (not in the trash) matching the list's filters in ``args``, unordered."""
    filters = filters_from(args)
    query = select(Account).where(Account.deleted_at.is_(None))
    query = owned_by(query, Account.owner_id, filters["owner"], user)
    if filters["industry"]:
        query = query.where(Account.industry == filters["industry"])
    if filters["country"]:
        query = query.where(Account.country == filters["country"])
    if filters["text"]:
        text = filters["text"]
        query = query.where(
            or_(
                *(
                    _like(c, text)
                    for c in (Account.name, Account.city, Account.industry, Account.email)
                )
            )
        )
    return query


def list_accounts(user: User, args) -> ListResult:
    """One page of accounts as ``args`` ask, with the count of every matching account and
    each shown account's open deals (a constant number of queries)."""
    state = ListState.from_args(SPEC, args, SPEC.columns)
    query = matching_accounts(user, args)
    column = SPEC.columns[state.sort_key]
    page = keyset_page(
        query,
        Account,
        column.sort(),
        state,
        SPEC.per_page,
        [joinedload(Account.owner).lazyload("*")],
        nullable=column.nullable,
    )
    page.totals = {
        "count": db.session.scalar(query.with_only_columns(func.count(Account.id)).order_by(None))
    }
    deals = services.open_deal_totals(user, [a.id for a in page.rows])
    return ListResult(SPEC, page, state, SPEC.columns, filters_from(args), {"deals": deals})


def filter_choices() -> dict:
    """Industries and countries in use (two queries)."""

    def values(column):
        return list(
            db.session.scalars(
                select(column)
                .where(column.is_not(None), Account.deleted_at.is_(None))
                .distinct()
                .order_by(column)
                .limit(200)
            )
        )

    return {"industries": values(Account.industry), "countries": values(Account.country)}
