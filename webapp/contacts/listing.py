"""The list of contacts on the list engine: columns, filters, sort, keyset pages."""

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
from ..models import Account, Contact, User

COLUMNS = {
    c.key: c
    for c in (
        Column("name", "Name", lambda: Contact.last_name, nullable=False),
        Column(
            "account",
            "Account",
            lambda: select(Account.name).where(Account.id == Contact.account_id).scalar_subquery(),
        ),
        Column("title", "Job title", lambda: Contact.title),
        Column("email", "Email", lambda: Contact.email),
        Column("phone", "Phone", lambda: Contact.phone),
        Column("mobile", "Mobile", lambda: Contact.mobile),
        Column(
            "owner",
            "Owner",
            lambda: select(User.name).where(User.id == Contact.owner_id).scalar_subquery(),
        ),
        Column("created", "Created", lambda: Contact.created_at, nullable=False),
        Column("updated", "Updated", lambda: Contact.updated_at, nullable=False),
    )
}
SPEC = ListSpec(
    entity="contact",
    model=Contact,
    columns=COLUMNS,
    default_columns=("name", "account", "title", "email", "phone", "owner"),
    default_sort="name",
    per_page=PER_PAGE,
)


def filters_from(args) -> dict:
    owner = owner_param(args, "all")
    return {
        "text": search_text(args.get("q")),
        "owner": owner,
        "account_id": integer(args.get("account_id"), minimum=1),
        "has_email": args.get("has_email") == "1",
    }


def matching_contacts(user: User, args) -> Select:
    """The contacts (not in the trash) matching the list's filters in ``args``, unordered;
    every word of the search must match a name, the email, the title or the account."""
    filters = filters_from(args)
    query = select(Contact).where(Contact.deleted_at.is_(None))
    query = owned_by(query, Contact.owner_id, filters["owner"], user)
    if filters["account_id"]:
        query = query.where(Contact.account_id == filters["account_id"])
    if filters["has_email"]:
        query = query.where(Contact.email.is_not(None), Contact.email != "")
    for word in filters["text"].split()[:10]:
        pattern = like_pattern(word)

        def like(column, pattern=pattern):
            return func.lower(column).like(pattern, escape="\\")

        columns = (Contact.first_name, Contact.last_name, Contact.email, Contact.title)
        accounts = select(Account.id).where(like(Account.name))
        query = query.where(or_(*(like(c) for c in columns), Contact.account_id.in_(accounts)))
    return query


def list_contacts(user: User, args) -> ListResult:
    """One page of contacts as ``args`` ask, with the count of every matching contact."""
    state = ListState.from_args(SPEC, args, SPEC.columns)
    query = matching_contacts(user, args)
    column = SPEC.columns[state.sort_key]
    page = keyset_page(
        query,
        Contact,
        column.sort(),
        state,
        SPEC.per_page,
        [joinedload(Contact.account), joinedload(Contact.owner).lazyload("*")],
        nullable=column.nullable,
    )
    page.totals = {
        "count": db.session.scalar(query.with_only_columns(func.count(Contact.id)).order_by(None))
    }
    return ListResult(SPEC, page, state, SPEC.columns, filters_from(args))
