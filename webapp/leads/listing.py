"""The list of leads: its columns and filters on the shared record list."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.services import PER_PAGE
from ..extensions import db
from ..inputs import integer
from ..listing.engine import Column, ListSpec
from ..listing.records import RecordList, common_columns, every_word, like
from ..models import Lead, Source, User
from ..models.lead import LEAD_STATUSES
from .services import OPEN_STATUSES, visible_leads

COLUMNS = {
    c.key: c
    for c in (
        Column("name", _l("Name"), lambda: Lead.last_name, nullable=False),
        Column("company", _l("Company"), lambda: Lead.company),
        Column("title", _l("Job title"), lambda: Lead.title),
        Column("email", _l("Email"), lambda: Lead.email),
        Column("phone", _l("Phone"), lambda: Lead.phone),
        Column("status", _l("Status"), lambda: Lead.status, nullable=False),
        *common_columns(Lead),
    )
}
SPEC = ListSpec(
    entity="lead",
    model=Lead,
    columns=COLUMNS,
    default_columns=("name", "company", "email", "status", "owner", "created"),
    default_sort="-created",
    per_page=PER_PAGE,
)
# Each lead status as people read it (badges, the status selector, the filter).
STATUS_LABELS = {
    "new": _l("New"),
    "contacted": _l("Contacted"),
    "qualified": _l("Qualified"),
    "converted": _l("Converted"),
    "disqualified": _l("Disqualified"),
}
STATUS_FILTERS = {
    "open": _l("Open"),
    "all": _l("All"),
    **{s: STATUS_LABELS[s] for s in LEAD_STATUSES if s not in OPEN_STATUSES},
    **{s: STATUS_LABELS[s] for s in OPEN_STATUSES},
}
SEARCHED = (Lead.first_name, Lead.last_name, Lead.company, Lead.email)


def _filters(args) -> dict:
    status = args.get("status") or "open"
    return {
        "status": status if status in STATUS_FILTERS else "open",
        "source_id": integer(args.get("source"), minimum=1),
    }


def _narrow(user: User, query, filters: dict):
    """The leads the user sees, of the status and source chosen; every word of the search
    must match the name, company or email."""
    query = query.where(visible_leads(user))
    if filters["status"] == "open":
        query = query.where(Lead.status.in_(OPEN_STATUSES))
    elif filters["status"] != "all":
        query = query.where(Lead.status == filters["status"])
    if filters["source_id"]:
        query = query.where(Lead.source_id == filters["source_id"])
    return every_word(query, filters["text"], lambda p: [like(c, p) for c in SEARCHED])


LEADS = RecordList(SPEC, _filters, _narrow)


def source_choices() -> list[tuple[int, str]]:
    """(id, name) of every source, for the source filter."""
    return list(db.session.execute(select(Source.id, Source.name).order_by(Source.name)))
