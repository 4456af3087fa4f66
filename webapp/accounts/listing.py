"""The list of accounts: its columns and filters on the shared record list."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ..extensions import db
from ..inputs import search_text
from ..listing.engine import Column, ListSpec
from ..listing.records import RecordList, common_columns, like, like_pattern
from ..models import Account, User
from . import services

COLUMNS = {
    c.key: c
    for c in (
        Column("name", _l("Name"), lambda: Account.name, nullable=False),
        Column("industry", _l("Industry"), lambda: Account.industry),
        Column("city", _l("City"), lambda: Account.city),
        Column("country", _l("Country"), lambda: Account.country),
        Column("phone", _l("Phone"), lambda: Account.phone),
        Column("email", _l("Email"), lambda: Account.email),
        Column("website", _l("Website"), lambda: Account.website),
        Column("open_deals", _l("Open deals"), align="end"),
        *common_columns(Account),
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
SEARCHED = (Account.name, Account.city, Account.industry, Account.email)


def _filters(args) -> dict:
    return {
        "industry": search_text(args.get("industry"))[:120],
        "country": search_text(args.get("country"))[:80],
    }


def _narrow(user: User, query, filters: dict):
    """The industry and country chosen; the search text (as typed) in one of ``SEARCHED``."""
    if filters["industry"]:
        query = query.where(Account.industry == filters["industry"])
    if filters["country"]:
        query = query.where(Account.country == filters["country"])
    if filters["text"]:
        pattern = like_pattern(filters["text"])
        query = query.where(or_(*(like(c, pattern) for c in SEARCHED)))
    return query


def _open_deals(user: User, rows: list) -> dict:
    """Each shown account's open deals (one query)."""
    return {"deals": services.open_deal_totals(user, [a.id for a in rows])}


ACCOUNTS = RecordList(SPEC, _filters, _narrow, extra=_open_deals)


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
