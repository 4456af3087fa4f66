"""Test data builders; opportunities go through the real services."""

from decimal import Decimal

from sqlalchemy import select

from webapp.auth.services import create_user
from webapp.extensions import db
from webapp.models import Account, BusinessLine, Contact, LostReason, Product, Tag
from webapp.opportunities.services import create_opportunity
from webapp.pipelines.services import create_pipeline

PASSWORD = "correct-horse-battery"


def business_line(name: str) -> BusinessLine:
    line = BusinessLine(name=name, slug=name.lower().replace(" ", "-"))
    db.session.add(line)
    db.session.commit()
    return line


def pipeline(line: BusinessLine, name: str = "Sales", **kwargs):
    created = create_pipeline(line, name, is_default=True, **kwargs)
    db.session.commit()
    return created


def user(*, email: str, password: str = PASSWORD, sales: bool = True, **kwargs):
    return create_user(email, password, sales=sales, **kwargs)


def account(name: str = "Acme S.p.A.", **kwargs) -> Account:
    created = Account(name=name, **kwargs)
    db.session.add(created)
    db.session.commit()
    return created


def contact(account: Account | None = None, last_name: str = "Rossi", **kwargs) -> Contact:
    created = Contact(account=account, last_name=last_name, **kwargs)
    db.session.add(created)
    db.session.commit()
    return created


def lost_reason(name: str) -> LostReason:
    reason = LostReason(name=name)
    db.session.add(reason)
    db.session.commit()
    return reason


def product(name: str = "Support plan", price: str = "100") -> Product:
    created = Product(name=name, unit_price=Decimal(price))
    db.session.add(created)
    db.session.commit()
    return created


def tag(name: str, color: str = "info") -> Tag:
    created = Tag(name=name, color=color)
    db.session.add(created)
    db.session.commit()
    return created


def opportunity(user, data: dict):
    return create_opportunity(user, data)


def visit_lengths() -> list[tuple[float, float]]:
    """(stored days, left - entered in days) of every ended stage-history visit: what the
    time-in-stage report reads against what it stands for."""
    from webapp.models import StageHistory

    rows = db.session.execute(
        select(StageHistory.days, StageHistory.entered_at, StageHistory.left_at).where(
            StageHistory.left_at.is_not(None)
        )
    ).all()
    return [(days, (left - entered).total_seconds() / 86400) for days, entered, left in rows]


def visit_days_kept() -> bool:
    """Every ended visit has its length stored (to the second), and there is one at least."""
    lengths = visit_lengths()
    return bool(lengths) and all(
        days is not None and abs(days - length) < 1 / 86400 for days, length in lengths
    )
