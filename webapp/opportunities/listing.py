"""The list of deals: search, owner and status filters, one page at a time."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from .. import permissions
from ..extensions import db
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


def list_opportunities(
    user: User, *, text: str = "", owner: str = "me", status: str = "open", page: int = 1
) -> DealPage:
    """Deals the user may see, by expected close date; two queries whatever the page size."""
    where = [Opportunity.deleted_at.is_(None), permissions.visible_opportunities(user)]
    if owner != "all":
        where.append(Opportunity.owner_id == user.id)
    if status in ("open", "won", "lost"):
        where.append(Opportunity.status == status)
    text = (text or "").strip().lower()
    query = select(Opportunity)
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.outerjoin(Account, Account.id == Opportunity.account_id)
        where.append(
            func.lower(Opportunity.name).like(pattern, escape="\\")
            | func.lower(Account.name).like(pattern, escape="\\")
        )
    total = db.session.scalar(query.with_only_columns(func.count(Opportunity.id)).where(*where))
    page = max(1, page)
    rows = db.session.scalars(
        query.where(*where)
        .options(
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
