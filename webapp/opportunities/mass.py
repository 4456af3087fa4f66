"""Mass actions on deals: the selected ones or every deal matching the list's filters.

Each action is one intent (one transaction). It changes the deals the user may change and
reports the others with the reason, grouped; an unexpected error (a stale row, a database
error) rolls everything back. Deals are read in batches with what the action needs, and
written in bulk, so the number of statements does not grow with the deals (plugin hooks
called per deal aside).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import wraps

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, func, insert, inspect, select, tuple_, update
from sqlalchemy.orm import lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import MultiDict

from .. import permissions
from ..errors import ConflictError, ValidationError
from ..extensions import db
from ..inputs import integers
from ..models import (
    LostReason,
    Note,
    Opportunity,
    Stage,
    StageHistory,
    Tag,
    User,
    opportunity_tags,
)
from ..models._base import utcnow
from ..owners.services import can_own
from ..plugins import flatten, hook
from ..reports import summaries
from ..timeline.services import batch, record
from ..transactions import transactional
from . import fields
from .history import leaving
from .listing import matching_deals
from .services import enter_stage

MAX_SELECTED = 10_000  # ids posted one by one; "all matching" has no limit
CHUNK = 500  # ids per IN (...) list
FILTER_PREFIX = "f."  # the list's filters travel in the mass form as f.<name>
ACTIONS = {
    "stage": _l("Change stage"),
    "owner": _l("Change owner"),
    "add_tags": _l("Add tags"),
    "remove_tags": _l("Remove tags"),
    "close_date": _l("Set close date"),
    "note": _l("Add a note"),
    "trash": _l("Move to trash"),
}


@dataclass
class Target:
    """The deals a mass action is about: ``ids`` picked on the list, or every deal matching
    ``filters`` (the list's query parameters) when ``matching`` is true."""

    ids: list[int] = field(default_factory=list)
    matching: bool = False
    filters: MultiDict = field(default_factory=MultiDict)

    @classmethod
    def from_form(cls, form) -> "Target":
        filters = MultiDict(
            (key[len(FILTER_PREFIX) :], value)
            for key, value in form.items(multi=True)
            if key.startswith(FILTER_PREFIX)
        )
        if form.get("scope") == "matching":
            return cls(matching=True, filters=filters)
        ids = integers(form.getlist("ids"))
        if len(ids) > MAX_SELECTED:
            raise ValidationError(
                {
                    "ids": _(
                        "Select at most %(num)d deals, or all matching the filter.",
                        num=MAX_SELECTED,
                    )
                }
            )
        return cls(ids=sorted(set(ids)), filters=filters)

    def query(self, user: User) -> Select:
        """The deals concerned: visible to ``user`` and not in the trash."""
        if self.matching:
            return matching_deals(user, self.filters)
        return select(Opportunity).where(
            Opportunity.id.in_(self.ids or [0]),
            Opportunity.deleted_at.is_(None),
            permissions.visible_opportunities(user),
        )


def count(user: User, target: Target) -> int:
    """How many deals the action would be about (shown before confirming)."""
    query = target.query(user).with_only_columns(func.count(Opportunity.id)).order_by(None)
    return db.session.scalar(query) or 0


@dataclass
class Report:
    """What a mass action did: how many deals changed; the others grouped by reason."""

    action: str
    changed: int = 0
    skipped: dict[str, list[Opportunity]] = field(default_factory=dict)
    details: dict[int, str] = field(default_factory=dict)  # deal id -> what it still needs

    def skip(self, reason: str, opp: Opportunity, detail: str | None = None) -> None:
        self.skipped.setdefault(reason, []).append(opp)
        if detail:
            self.details[opp.id] = detail

    @property
    def skipped_count(self) -> int:
        return sum(len(deals) for deals in self.skipped.values())


NOT_EDITABLE = "You may not edit these deals."
NOT_DELETABLE = "You may not move these deals to the trash."


def _load(user: User, target: Target, *options) -> list[Opportunity]:
    """The deals of ``target``, with the relations the action needs, in one query each."""
    ids = list(db.session.scalars(target.query(user).with_only_columns(Opportunity.id)))
    deals = []
    for start in range(0, len(ids), CHUNK):
        deals += db.session.scalars(
            select(Opportunity)
            .where(Opportunity.id.in_(ids[start : start + CHUNK]))
            .options(lazyload("*"), *options)
            .order_by(Opportunity.id)
        )
    return deals


def _editable(user: User, deals, report: Report, *, delete: bool = False) -> list:
    allowed = permissions.can_delete if delete else permissions.can_edit
    kept = []
    for opp in deals:
        if allowed(user, opp):
            kept.append(opp)
        else:
            report.skip(NOT_DELETABLE if delete else NOT_EDITABLE, opp)
    return kept


STALE = "Some of these deals were changed by someone else meanwhile. Nothing was saved; try again."


def _write_deals(deals, now) -> None:
    """Write what the action changed on ``deals`` as one executemany per set of columns, each
    row guarded by the version it was read at (a deal changed meanwhile: ConflictError, and
    the whole intent rolls back); the deals then count as saved, one version step later.
    The ORM would send one UPDATE per deal for versioned rows."""
    mapper = inspect(Opportunity)
    columns = {attr.key for attr in mapper.column_attrs}
    foreign = {
        rel.key: next(iter(rel.local_columns)).key
        for rel in mapper.relationships
        if rel.direction.name == "MANYTOONE" and len(rel.local_columns) == 1
    }
    groups = defaultdict(list)
    for opp in deals:
        state = inspect(opp)
        changed = [key for key in state.committed_state if key in columns or key in foreign]
        if not changed:
            continue
        values = {}
        for key in changed:
            value = getattr(opp, key)
            if key in foreign:
                values[foreign[key]] = value.id if value is not None else None
            else:
                values[key] = value
        values.update(updated_at=now, version=opp.version + 1)
        row = {f"v_{key}": value for key, value in values.items()}
        row.update(k_id=opp.id, k_version=opp.version)
        groups[tuple(sorted(values))].append(row)
        for key, value in values.items():
            state.dict[key] = value  # the row as written (foreign keys of the relations set)
        state._commit_all(state.dict, db.session.identity_map)  # written: nothing to flush
    table = Opportunity.__table__
    for keys, rows in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("k_id"), table.c.version == bindparam("k_version"))
            .values({key: bindparam(f"v_{key}") for key in keys})
        )
        if db.session.connection().execute(statement, rows).rowcount != len(rows):
            raise ConflictError(None, STALE)


def _insert_pending(*models) -> None:
    """Insert the new rows of ``models`` waiting in the session as one executemany each (the
    ORM would insert them one by one where it reads their ids back), and forget them."""
    session = db.session
    batches = []
    for model in models:
        rows = [row for row in session.new if type(row) is model]
        columns = [c.key for c in model.__table__.columns if c.key != "id"]
        values = [{key: getattr(row, key) for key in columns} for row in rows]
        keys = [key for key in columns if any(v[key] is not None for v in values)]
        batches.append((model, [{key: v[key] for key in keys} for v in values]))
        for row in rows:
            session.expunge(row)
    session.flush()  # the deals' own changes first, as one flush
    for model, values in batches:
        if values:
            session.execute(insert(model.__table__), values)  # Core: one executemany


def _chunks(ids):
    ids = list(ids)
    return (ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK))


def _batched(action):
    """The action's timeline entries are written together (``timeline.services.batch``)."""

    @wraps(action)
    def run(*args, **kwargs):
        with batch():
            return action(*args, **kwargs)

    return run


# --- The actions ---------------------------------------------------------------------------


@transactional
@_batched
def change_stage(user: User, target: Target, stage_id, lost_reason_id=None, lost_note=None):
    """Move the deals to a stage, as the board would: deals of another pipeline, deals a
    stage gate stops (listed with what they need) and deals the user may not edit stay;
    a lost stage needs one lost reason for all."""
    stage = fields.row("stage_id", Stage, stage_id, "stage")
    if stage is None:
        raise ValidationError({"stage_id": _("Choose a stage.")})
    reason = None
    if stage.kind == "lost":
        reason = fields.row("lost_reason_id", LostReason, lost_reason_id, "lost reason")
        if reason is None:
            raise ValidationError({"lost_reason_id": _("Say why these deals were lost.")})
        lost_note = fields.text("lost_note", lost_note, max_len=2000, multiline=True)
    report = Report("stage")
    options = [selectinload(Opportunity.stage)]
    if stage.kind == "won":
        options.append(selectinload(Opportunity.lines))
    deals = _editable(user, _load(user, target, *options), report)
    moving = []
    for opp in deals:
        if opp.pipeline_id != stage.pipeline_id:
            report.skip("They are in another pipeline than this stage.", opp)
        elif opp.stage_id == stage.id:
            report.skip("They are already in this stage.", opp)
        else:
            caller = hook("opportunity_stage_changing", opp)
            problems = flatten(
                caller(opportunity=opp, from_stage=opp.stage, to_stage=stage, user=user)
            )
            if problems:
                needs = "; ".join(p["message"] if isinstance(p, dict) else str(p) for p in problems)
                report.skip("A stage gate asks for more: move them on the board.", opp, needs)
            else:
                moving.append(opp)
    if not moving:
        return report
    now = utcnow()
    before = summaries.snapshot(opp.id for opp in moving)
    for chunk in _chunks(opp.id for opp in moving):
        db.session.execute(
            update(StageHistory)
            .where(StageHistory.opportunity_id.in_(chunk), StageHistory.left_at.is_(None))
            .values(leaving(now))
            .execution_options(synchronize_session=False)
        )
    top = db.session.scalar(
        select(func.min(Opportunity.position)).where(
            Opportunity.stage_id == stage.id, Opportunity.status == "open"
        )
    )
    top = (top or 0) - len(moving)
    moved = []
    for offset, opp in enumerate(moving):
        from_stage = opp.stage
        db.session.add(
            StageHistory(opportunity_id=opp.id, stage_id=stage.id, entered_at=now, user_id=user.id)
        )
        enter_stage(user, opp, stage, now, top + offset, reason, lost_note)
        moved.append((opp, from_stage))
    _write_deals(moving, now)
    _insert_pending(StageHistory)
    summaries.changed([opp.id for opp in moving], before)
    for opp, from_stage in moved:
        hook("opportunity_stage_changed", opp)(
            opportunity=opp, from_stage=from_stage, to_stage=stage, user=user
        )
        if stage.is_closed:
            hook("opportunity_closed", opp)(opportunity=opp, won=stage.kind == "won", user=user)
    report.changed = len(moved)
    return report


@transactional
@_batched
def change_owner(user: User, target: Target, owner_id):
    """Give the deals to another owner: an active member of the sales group who works in
    each deal's business line (the others are reported)."""
    owner = fields.row("owner_id", User, owner_id, "owner")
    if owner is None:
        raise ValidationError({"owner_id": _("Choose an owner.")})
    report = Report("owner")
    deals = _editable(user, _load(user, target, selectinload(Opportunity.primary_contact)), report)
    changed = []
    for opp in deals:
        if opp.owner_id == owner.id:
            report.skip(f"They already belong to {owner.name}.", opp)
        elif not can_own(owner, opp.business_line_id):
            report.skip(
                f"{owner.name} may not own them: not an active salesperson of their business line.",
                opp,
            )
        else:
            old_id, opp.owner_id, opp.updated_by_id = opp.owner_id, owner.id, user.id
            changed.append((opp, old_id))
    olds = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({o for _, o in changed} or [0])))
    }
    for opp, old_id in changed:
        record(opp, user, "updated", field="owner_id", old=olds.get(old_id), new=owner)
    _write_deals([opp for opp, _ in changed], utcnow())
    for opp, old_id in changed:
        hook("opportunity_saved", opp)(
            opportunity=opp,
            changes={"owner_id": (olds.get(old_id), owner)},
            user=user,
            created=False,
        )
    report.changed = len(changed)
    return report


def _tags(tag_ids) -> list[Tag]:
    ids = integers(tag_ids)
    tags = list(db.session.scalars(select(Tag).where(Tag.id.in_(ids)))) if ids else []
    if not tags:
        raise ValidationError({"tag_ids": _("Choose at least one tag.")})
    return tags


@transactional
@_batched
def change_tags(user: User, target: Target, tag_ids, *, add: bool):
    """Add the tags to the deals (or remove them from the deals)."""
    tags = _tags(tag_ids)
    report = Report("add_tags" if add else "remove_tags")
    deals = _editable(user, _load(user, target, selectinload(Opportunity.tags)), report)
    now = utcnow()
    added, removed = [], []
    for opp in deals:
        current = {t.id for t in opp.tags}
        wanted = current | {t.id for t in tags} if add else current - {t.id for t in tags}
        if wanted == current:
            report.skip(
                "They already have these tags." if add else "They have none of these tags.", opp
            )
            continue
        old = ", ".join(t.name for t in opp.tags) or None
        new_tags = sorted(
            {*opp.tags, *tags} if add else [t for t in opp.tags if t.id in wanted],
            key=lambda t: t.name,
        )
        added += [{"opportunity_id": opp.id, "tag_id": t} for t in wanted - current]
        removed += [(opp.id, t) for t in current - wanted]
        set_committed_value(opp, "tags", new_tags)  # the links are written below, in bulk
        opp.updated_at, opp.updated_by_id = now, user.id
        new = ", ".join(t.name for t in new_tags) or None
        record(opp, user, "updated", field="tags", old=old, new=new)
        report.changed += 1
    _write_deals(deals, now)
    if added:
        db.session.execute(insert(opportunity_tags), added)
    links = tuple_(opportunity_tags.c.opportunity_id, opportunity_tags.c.tag_id)
    for chunk in _chunks(removed):
        db.session.execute(delete(opportunity_tags).where(links.in_(chunk)))
    return report


@transactional
@_batched
def set_close_date(user: User, target: Target, value):
    """Set the expected close date of the deals (read in the user's locale)."""
    close = fields.day("close_date", value)
    if close is None:
        raise ValidationError({"close_date": _("Enter the expected close date.")})
    report = Report("close_date")
    deals = _editable(user, _load(user, target), report)
    for opp in deals:
        if opp.close_date == close:
            report.skip("They already close on that date.", opp)
            continue
        old, opp.close_date, opp.updated_by_id = opp.close_date, close, user.id
        record(opp, user, "updated", field="close_date", old=old, new=close)
        report.changed += 1
    _write_deals(deals, utcnow())
    return report


@transactional
@_batched
def add_note(user: User, target: Target, body):
    """Leave the same note on each deal (anyone who sees a deal may note it)."""
    text = fields.text("body", body, required=True, max_len=10000, multiline=True)
    report = Report("note")
    for opp in _load(user, target):
        db.session.add(Note(opportunity_id=opp.id, author_id=user.id, body=text))
        record(opp, user, "note", message=text[:500])
        report.changed += 1
    _insert_pending(Note)
    return report


@transactional
@_batched
def trash(user: User, target: Target):
    """Move the deals to the trash (``permissions.can_delete``; the others are reported)."""
    from ..trash.services import stamp_trashed

    report = Report("trash")
    deals = _editable(user, _load(user, target), report, delete=True)
    for opp in deals:
        stamp_trashed(user, opp)
        report.changed += 1
    _write_deals(deals, utcnow())
    return report


def run(user: User, action: str, form) -> Report:
    """Carry out the mass ``action`` named in the form on the deals it targets (read-only
    users are refused outright)."""
    permissions.require_write(user)
    target = Target.from_form(form)
    if action == "stage":
        return change_stage(
            user, target, form.get("stage_id"), form.get("lost_reason_id"), form.get("lost_note")
        )
    if action == "owner":
        return change_owner(user, target, form.get("owner_id"))
    if action in ("add_tags", "remove_tags"):
        return change_tags(user, target, form.getlist("tag_ids"), add=action == "add_tags")
    if action == "close_date":
        return set_close_date(user, target, form.get("close_date"))
    if action == "note":
        return add_note(user, target, form.get("body"))
    if action == "trash":
        return trash(user, target)
    raise ValidationError({"action": _("Choose an action.")})


def action_of(value) -> str | None:
    return value if value in ACTIONS else None
