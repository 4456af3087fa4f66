"""Accounts (client folders): search, list, the folder with its deals, create and edit.

Accounts are the company's shared address book: every user may see them and add one;
admins, managers and the account's owner may edit it (anyone while it has no owner).
The deals shown in a folder are limited by ``permissions.visible_opportunities``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload

from .. import permissions
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import SALES_GROUP, Account, Contact, Group, Opportunity, User
from ..models._base import ZERO
from ..transactions import transactional
from . import concurrency, matching
from .fields import apply, differences, parse_account

PER_PAGE = 25
DEALS_PER_GROUP = 50
STATUS_GROUPS = ("open", "won", "lost")


def like_pattern(text: str) -> str:
    """``text`` lower-cased and escaped for ``LIKE ... ESCAPE '\\'``, wrapped in %."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


SUGGESTIONS = 8


def search_accounts(user: User, text: str, limit: int = SUGGESTIONS) -> list[Account]:
    """Accounts whose name contains ``text`` (case-insensitive), best prefix matches first."""
    text = (text or "").strip()
    if not text:
        return []
    pattern = like_pattern(text)
    name = func.lower(Account.name)
    query = (
        select(Account)
        .where(Account.deleted_at.is_(None), name.like(pattern, escape="\\"))
        .order_by(name.like(pattern[1:], escape="\\").desc(), Account.name)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def matching_accounts(user: User, text: str = "") -> Select:
    """The accounts the list shows for the search ``text`` (name, city, industry or email),
    not in the trash, unordered: the list's page and the export start from it."""
    query = select(Account).where(Account.deleted_at.is_(None))
    text = (text or "").strip()
    if text:
        pattern = like_pattern(text)
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (Account.name, Account.city, Account.industry, Account.email)
                )
            )
        )
    return query


def list_accounts(user: User, text: str = "", page: int = 1, per_page: int = PER_PAGE):
    """One page of accounts (name, city, industry or email matching ``text``), by name."""
    query = matching_accounts(user, text).options(joinedload(Account.owner).lazyload("*"))
    return db.paginate(
        query.order_by(Account.name, Account.id), page=page, per_page=per_page, error_out=False
    )


def open_deal_totals(user: User, account_ids: list[int]) -> dict[int, tuple[int, Decimal]]:
    """{account id: (number, total amount)} of the open deals ``user`` sees: one query.

    The status is tested inside the sums, not in WHERE, so the planner reads the page's
    accounts through the account index instead of every open deal through the status one.
    """
    if not account_ids:
        return {}
    is_open = Opportunity.status == "open"
    rows = db.session.execute(
        select(
            Opportunity.account_id,
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((is_open, Opportunity.amount), else_=0)),
        )
        .where(
            Opportunity.account_id.in_(account_ids),
            Opportunity.deleted_at.is_(None),
            permissions.visible_opportunities(user),
        )
        .group_by(Opportunity.account_id)
    )
    return {account_id: (count, Decimal(total or 0)) for account_id, count, total in rows if count}


def get_account(user: User, account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None or account.deleted_at is not None:
        raise NotFound(_("This account does not exist or was deleted."))
    return account


def require_edit_account(user: User, account) -> None:
    message = _("You may not edit this account: it belongs to someone else.")
    permissions.require(can_edit_account(user, account), message)


def can_edit_account(user: User, account: Account) -> bool:
    return permissions.can_edit_record(user, account)


@dataclass
class DealGroup:
    """The deals of one status in a folder: the first ones and SQL totals of all of them."""

    status: str
    deals: list = field(default_factory=list)
    count: int = 0
    amount: Decimal = ZERO
    forecast: Decimal = ZERO


def account_deals(user: User, account: Account) -> list[DealGroup]:
    """The account's deals the user may see, grouped open / won / lost, with totals.

    Totals come from one aggregate query; each group lists its first ``DEALS_PER_GROUP``
    deals (stage and owner joined), so the query count does not grow with the deals.
    """
    visible = (
        Opportunity.account_id == account.id,
        Opportunity.deleted_at.is_(None),
        permissions.visible_opportunities(user),
    )
    groups = {status: DealGroup(status) for status in STATUS_GROUPS}
    totals = db.session.execute(
        select(
            Opportunity.status,
            func.count(Opportunity.id),
            func.coalesce(func.sum(Opportunity.amount), 0),
            func.coalesce(func.sum(Opportunity.amount * Opportunity.probability), 0),
        )
        .where(*visible)
        .group_by(Opportunity.status)
    )
    for status, count, amount, weighted in totals:
        if status in groups:
            group = groups[status]
            group.count = count
            group.amount = Decimal(amount)
            group.forecast = (Decimal(weighted) / 100).quantize(Decimal("0.01"))
    order = {
        "open": (Opportunity.close_date.is_(None), Opportunity.close_date, Opportunity.id),
        "won": (Opportunity.closed_at.desc(), Opportunity.id.desc()),
        "lost": (Opportunity.closed_at.desc(), Opportunity.id.desc()),
    }
    for status, group in groups.items():
        if group.count:
            group.deals = list(
                db.session.scalars(
                    select(Opportunity)
                    .options(
                        joinedload(Opportunity.stage),
                        joinedload(Opportunity.owner).lazyload("*"),
                    )
                    .where(*visible, Opportunity.status == status)
                    .order_by(*order[status])
                    .limit(DEALS_PER_GROUP)
                )
            )
    return list(groups.values())


def account_contacts(account: Account, limit: int = 100) -> list[Contact]:
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.account_id == account.id, Contact.deleted_at.is_(None))
            .order_by(Contact.last_name, Contact.first_name, Contact.id)
            .limit(limit)
        )
    )


def owner_choices() -> list[User]:
    """Users who may own accounts, contacts and leads: active members of the sales group."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.groups.any(Group.name == SALES_GROUP))
            .order_by(User.name)
        )
    )


def _check_unique_name(name: str, account: Account | None = None) -> None:
    """No other live account has the same name (as ``names.name_key`` compares)."""
    same = next((a for a in matching.exact_matches(name, limit=2) if a is not account), None)
    if same is not None:
        raise ValidationError(
            {"name": _("An account named “%(name)s” already exists.", name=same.name)}
        )


@transactional
def create_account(user: User, data: dict) -> Account:
    """A new account from form-like ``data``; the creator owns it unless an owner is given.
    When accounts with a similar name exist, the user confirms first (``account_confirm_new``)."""
    permissions.require_write(user)
    values = parse_account(data)
    _check_unique_name(values["name"])
    if not matching.confirmed(data) and matching.near_matches(values["name"]):
        raise ValidationError(
            {
                "name": _(
                    "Accounts with a similar name exist: open one of them, or confirm that "
                    "this is a new account."
                )
            }
        )
    values.setdefault("owner", None)
    account = Account(**values)
    account.owner = account.owner or user
    db.session.add(account)
    return account


@transactional
def update_account(user: User, account: Account, data: dict, updated_at) -> dict:
    """Apply ``data``; ConflictError when the account changed since ``updated_at``."""
    require_edit_account(user, account)
    values = parse_account(data)
    _check_unique_name(values["name"], account)
    changes = differences(account, values)
    if not changes:
        return changes
    concurrency.claim(
        account,
        updated_at,
        _(
            "Someone else changed this account meanwhile. Nothing was saved; "
            "your input is kept below next to the current values."
        ),
    )
    apply(account, changes)
    return changes


def merge_candidates(user: User, account: Account, text: str = "", limit: int = 10) -> list:
    """Accounts to merge ``account`` with: those matching ``text``, else its likely duplicates
    (the same or a similar name)."""
    if text.strip():
        rows = list_accounts(user, text, per_page=limit + 1).items
    else:
        found = matching.matches(account.name)
        rows = found.exact + found.near
    return [row for row in rows if row.id != account.id][:limit]
