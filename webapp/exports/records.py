"""The rows of an export, read in batches: one query per batch (two for deals: their tags).

Each entity has one query of its exported columns, references read by name through outer
joins on aliases (so they never clash with the joins of the list's filter): account and
stage names, the owner's email (what the import matches owners on, exactly), the contact's
full name. Batches follow the id (keyset), so memory stays bounded at any size.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased

from ..datafields import DataField
from ..extensions import db
from ..models import (
    Account,
    Contact,
    Lead,
    LostReason,
    Opportunity,
    Pipeline,
    Source,
    Stage,
    Tag,
    User,
)
from ..models.forecast import FORECAST_CATEGORY_LABELS
from ..models.opportunity import opportunity_tags

BATCH = 1000
MODELS = {"opportunity": Opportunity, "account": Account, "contact": Contact, "lead": Lead}
ID_PREFIX = "opportuno:"


def _deals() -> Select:
    o = Opportunity
    account, contact, stage, pipeline = (
        aliased(Account),
        aliased(Contact),
        aliased(Stage),
        aliased(Pipeline),
    )
    owner, source, lost = aliased(User), aliased(Source), aliased(LostReason)
    return (
        select(
            o.id,
            o.external_id,
            o.name,
            account.name.label("account"),
            contact.first_name.label("contact_first_name"),
            contact.last_name.label("contact_last_name"),
            o.amount,
            o.currency,
            stage.name.label("stage"),
            pipeline.name.label("pipeline"),
            owner.email.label("owner"),
            o.close_date,
            o.probability,
            o.status,
            o.forecast_category,
            source.name.label("source"),
            lost.name.label("lost_reason"),
            o.description,
            o.custom,
        )
        .select_from(o)
        .outerjoin(account, account.id == o.account_id)
        .outerjoin(contact, and_(contact.id == o.primary_contact_id, contact.deleted_at.is_(None)))
        .outerjoin(stage, stage.id == o.stage_id)
        .outerjoin(pipeline, pipeline.id == o.pipeline_id)
        .outerjoin(owner, owner.id == o.owner_id)
        .outerjoin(source, source.id == o.source_id)
        .outerjoin(lost, lost.id == o.lost_reason_id)
    )


def _accounts() -> Select:
    a, owner = Account, aliased(User)
    columns = ("industry", "website", "phone", "email", "address", "city", "country")
    return (
        select(
            a.id,
            a.external_id,
            a.name,
            *(getattr(a, c) for c in columns),
            owner.email.label("owner"),
            a.description,
        )
        .select_from(a)
        .outerjoin(owner, owner.id == a.owner_id)
    )


def _contacts() -> Select:
    c, account, owner = Contact, aliased(Account), aliased(User)
    columns = ("first_name", "last_name", "email", "phone", "mobile", "title")
    return (
        select(
            c.id,
            c.external_id,
            *(getattr(c, name) for name in columns),
            account.name.label("account"),
            owner.email.label("owner"),
            c.notes,
        )
        .select_from(c)
        .outerjoin(account, account.id == c.account_id)
        .outerjoin(owner, owner.id == c.owner_id)
    )


def _leads() -> Select:
    le, source, owner = Lead, aliased(Source), aliased(User)
    columns = ("first_name", "last_name", "company", "email", "phone", "title")
    return (
        select(
            le.id,
            le.external_id,
            *(getattr(le, name) for name in columns),
            source.name.label("source"),
            le.status,
            owner.email.label("owner"),
            le.description,
        )
        .select_from(le)
        .outerjoin(source, source.id == le.source_id)
        .outerjoin(owner, owner.id == le.owner_id)
    )


QUERIES = {"opportunity": _deals, "account": _accounts, "contact": _contacts, "lead": _leads}


@dataclass(frozen=True)
class Selection:
    """Which records of ``entity`` to export: ``query``, a select of the model whose WHERE
    says which (visible to the user, not in the trash, filtered or picked)."""

    entity: str
    query: Select

    def batches(self, size: int = BATCH) -> Iterator[list[dict]]:
        """The records as dicts by field key, ``size`` at a time, by id."""
        model = MODELS[self.entity]
        rows_query = QUERIES[self.entity]()
        last = 0
        while True:
            ids = (
                self.query.with_only_columns(model.id)
                .where(model.id > last)
                .order_by(None)
                .order_by(model.id)
                .limit(size)
            )
            # Plain rows from the connection: no ORM objects, no identity map to fill.
            rows = db.session.connection().execute(
                rows_query.where(model.id.in_(ids)).order_by(model.id)
            )
            keys = list(rows.keys())
            records = [dict(zip(keys, row, strict=True)) for row in rows]
            if not records:
                return
            if self.entity == "opportunity":
                _add_tags(records)
            yield records
            if len(records) < size:
                return
            last = records[-1]["id"]

    def count(self) -> int:
        model = MODELS[self.entity]
        ids = self.query.with_only_columns(model.id).order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(ids)) or 0


def _add_tags(records: list[dict]) -> None:
    """Each deal's tag names, by name, with one query for the batch."""
    names = defaultdict(list)
    rows = db.session.execute(
        select(opportunity_tags.c.opportunity_id, Tag.name)
        .join(Tag, Tag.id == opportunity_tags.c.tag_id)
        .where(opportunity_tags.c.opportunity_id.in_([r["id"] for r in records]))
        .order_by(Tag.name)
    )
    for deal_id, name in rows:
        names[deal_id].append(name)
    for record in records:
        record["tags"] = names.get(record["id"], [])


def getter(field: DataField) -> Callable[[dict], object]:
    """How to read ``field`` from a record as the file carries it: a function returning str,
    Decimal, int, date or None."""
    key, kind = field.key, field.kind
    if key == "external_id":
        return lambda r: r["external_id"] or f"{ID_PREFIX}{r['id']}"
    if key == "contact" and kind == "contact":
        return _contact_name
    if key == "tags":
        return lambda r: ", ".join(r["tags"]) or None
    if key.startswith("custom."):
        name = key.removeprefix("custom.")
        return lambda r: _custom((r.get("custom") or {}).get(name), kind)
    if kind == "money":
        return lambda r: None if r.get(key) is None else Decimal(r[key])
    if kind == "forecast_category":  # the label of the category set (none: it follows)
        return lambda r: FORECAST_CATEGORY_LABELS.get(r.get(key))
    # A field this export does not read yet (the registry grew) is an empty column.
    return lambda r: r.get(key) if r.get(key) != "" else None


def _contact_name(record: dict) -> str | None:
    names = (record["contact_first_name"], record["contact_last_name"])
    return " ".join(n for n in names if n) or None


def _custom(found, kind: str):
    """A custom field's stored (JSON) value, typed by its kind when it reads as one."""
    if found is None or found == "":
        return None
    if isinstance(found, bool):
        return "Yes" if found else "No"
    if kind == "money" and isinstance(found, int | float | str):
        try:
            number = Decimal(str(found))
        except InvalidOperation:
            return str(found)
        return number if number.is_finite() else str(found)
    if kind == "date" and isinstance(found, str):
        try:
            return date.fromisoformat(found)
        except ValueError:
            return found
    return found if isinstance(found, str) else str(found)
