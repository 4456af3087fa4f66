"""Account queries and operations."""

from sqlalchemy import func, select

from ..extensions import db
from ..models import Account, User


def search_accounts(user: User, text: str, limit: int = 8) -> list[Account]:
    """Accounts whose name contains ``text`` (case-insensitive), best prefix matches first."""
    text = (text or "").strip()
    if not text:
        return []
    pattern = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    name = func.lower(Account.name)
    query = (
        select(Account)
        .where(Account.deleted_at.is_(None), name.like(f"%{pattern}%", escape="\\"))
        .order_by(name.like(f"{pattern}%", escape="\\").desc(), Account.name)
        .limit(limit)
    )
    return list(db.session.scalars(query))
