"""What a refused request must leave as it was: every table's row count and the deals' versions."""

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Opportunity


def fingerprint() -> tuple:
    """(row count of every table, (id, version) of every deal), read afresh from the database."""
    db.session.expire_all()
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    )
    versions = tuple(db.session.execute(select(Opportunity.id, Opportunity.version)).all())
    return counts, versions
