"""The list of contacts: its columns and filters on the shared record list."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.services import PER_PAGE
from ..inputs import integer
from ..listing.engine import Column, ListSpec
from ..listing.records import RecordList, common_columns, every_word, like
from ..models import Account, Contact, User

COLUMNS = {
    c.key: c
    for c in (
        Column("name", _l("Name"), lambda: Contact.last_name, nullable=False),
        Column(
            "account",
            _l("Account"),
            lambda: select(Account.name).where(Account.id == Contact.account_id).scalar_subquery(),
        ),
        Column("title", _l("Job title"), lambda: Contact.title),
        Column("email", _l("Email"), lambda: Contact.email),
        Column("phone", _l("Phone"), lambda: Contact.phone),
        Column("mobile", _l("Mobile"), lambda: Contact.mobile),
        *common_columns(Contact),
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
SEARCHED = (Contact.first_name, Contact.last_name, Contact.email, Contact.title)


def _filters(args) -> dict:
    return {
        "account_id": integer(args.get("account_id"), minimum=1),
        "has_email": args.get("has_email") == "1",
    }


def _narrow(user: User, query, filters: dict):
    """The account and "with an email" chosen; every word of the search must match a name,
    the email, the title or the account."""
    if filters["account_id"]:
        query = query.where(Contact.account_id == filters["account_id"])
    if filters["has_email"]:
        query = query.where(Contact.email.is_not(None), Contact.email != "")

    def conditions(pattern):
        accounts = select(Account.id).where(like(Account.name, pattern))
        return [*(like(c, pattern) for c in SEARCHED), Contact.account_id.in_(accounts)]

    return every_word(query, filters["text"], conditions)


CONTACTS = RecordList(SPEC, _filters, _narrow, loads=(joinedload(Contact.account),))
