"""The list of deals: search, owner and status filters, one page at a time."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, lazyload

from .. import permissions
from ..extensions import db
from ..inputs import search_text
from ..models import Account, Opportunity, User

PER_PAGE = 50
STATUSES = ("open", "won", "lost", "all")


@dataclass
class DealPage:
    rows: list[Opportunity]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def filters_from(args) -> dict:
    """The list's filters read from query parameters (``q``, ``owner=me|all``, ``status``)."""
    return {
        "text": search_text(args.get("q")),
        "owner": "all" if args.get("owner") == "all" else "me",
        "status": args.get("status") if args.get("status") in STATUSES else "open",
    }


def matching_deals(user: User, args) -> Select:
    """The deals the user may see that match the list's filters in ``args``, unordered.

    The one definition of "the deals this list shows": the page, mass actions on every
    matching deal and the export all start from it.
    """
    filters = filters_from(args)
    query = select(Opportunity).where(
        Opportunity.deleted_at.is_(None), permissions.visible_opportunities(user)
    )
    if filters["owner"] != "all":
        query = query.where(Opportunity.owner_id == user.id)
    if filters["status"] in ("open", "won", "lost"):
        query = query.where(Opportunity.status == filters["status"])
    text = filters["text"].strip().lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.outerjoin(Account, Account.id == Opportunity.account_id).where(
            func.lower(Opportunity.name).like(pattern, escape="\\")
            | func.lower(Account.name).like(pattern, escape="\\")
        )
    return query


def list_opportunities(user: User, args, page: int = 1) -> DealPage:
    """One page of the list, by expected close date; two queries whatever the page size."""
    query = matching_deals(user, args)
    total = db.session.scalar(query.with_only_columns(func.count(Opportunity.id)))
    page = max(1, page)
    rows = db.session.scalars(
        query.options(
            joinedload(Opportunity.account),
            joinedload(Opportunity.stage),
            joinedload(Opportunity.owner).options(
                lazyload(User.groups), lazyload(User.business_lines)
            ),
        )
        .order_by(Opportunity.close_date.is_(None), Opportunity.close_date, Opportunity.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return DealPage(list(rows), total or 0, page, PER_PAGE)
