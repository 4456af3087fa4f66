"""Mass actions on deals: the selected ones or every deal matching the list's filters.

Each action is one intent (one transaction). It changes the deals the user may change and
reports the others with the reason, grouped; an unexpected error (a stale row, a database
error) rolls everything back. Deals are read in batches with what the action needs, and
written in bulk, so the number of statements does not grow with the deals (plugin hooks
called per deal aside).
"""

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import lazyload, selectinload
from werkzeug.datastructures import MultiDict

from .. import permissions
from ..errors import ValidationError
from ..extensions import db
from ..inputs import integers
from ..models import LostReason, Note, Opportunity, Stage, StageHistory, Tag, User
from ..models._base import utcnow
from ..owners.services import can_own
from ..plugins import flatten, hook
from ..timeline.services import record
from ..transactions import transactional
from . import fields
from .listing import matching_deals
from .services import enter_stage

MAX_SELECTED = 10_000  # ids posted one by one; "all matching" has no limit
CHUNK = 500  # ids per IN (...) list
FILTER_PREFIX = "f."  # the list's filters travel in the mass form as f.<name>
ACTIONS = {
    "stage": "Change stage",
    "owner": "Change owner",
    "add_tags": "Add tags",
    "remove_tags": "Remove tags",
    "close_date": "Set close date",
    "note": "Add a note",
    "trash": "Move to trash",
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
                {"ids": f"Select at most {MAX_SELECTED:,} deals, or all matching the filter."}
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


def _chunks(ids):
    ids = list(ids)
    return (ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK))


# --- The actions ---------------------------------------------------------------------------


@transactional
def change_stage(user: User, target: Target, stage_id, lost_reason_id=None, lost_note=None):
    """Move the deals to a stage, as the board would: deals of another pipeline, deals a
    stage gate stops (listed with what they need) and deals the user may not edit stay;
    a lost stage needs one lost reason for all."""
    stage = fields.row("stage_id", Stage, stage_id, "stage")
    if stage is None:
        raise ValidationError({"stage_id": "Choose a stage."})
    reason = None
    if stage.kind == "lost":
        reason = fields.row("lost_reason_id", LostReason, lost_reason_id, "lost reason")
        if reason is None:
            raise ValidationError({"lost_reason_id": "Say why these deals were lost."})
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
    for chunk in _chunks(opp.id for opp in moving):
        db.session.execute(
            update(StageHistory)
            .where(StageHistory.opportunity_id.in_(chunk), StageHistory.left_at.is_(None))
            .values(left_at=now)
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
    db.session.flush()
    for opp, from_stage in moved:
        hook("opportunity_stage_changed", opp)(
            opportunity=opp, from_stage=from_stage, to_stage=stage, user=user
        )
        if stage.is_closed:
            hook("opportunity_closed", opp)(opportunity=opp, won=stage.kind == "won", user=user)
    report.changed = len(moved)
    return report


@transactional
def change_owner(user: User, target: Target, owner_id):
    """Give the deals to another owner: an active member of the sales group who works in
    each deal's business line (the others are reported)."""
    owner = fields.row("owner_id", User, owner_id, "owner")
    if owner is None:
        raise ValidationError({"owner_id": "Choose an owner."})
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
    db.session.flush()
    for opp, old_id in changed:
        opp.owner = owner
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
        raise ValidationError({"tag_ids": "Choose at least one tag."})
    return tags


@transactional
def change_tags(user: User, target: Target, tag_ids, *, add: bool):
    """Add the tags to the deals (or remove them from the deals)."""
    tags = _tags(tag_ids)
    report = Report("add_tags" if add else "remove_tags")
    deals = _editable(user, _load(user, target, selectinload(Opportunity.tags)), report)
    now = utcnow()
    for opp in deals:
        current = {t.id for t in opp.tags}
        wanted = current | {t.id for t in tags} if add else current - {t.id for t in tags}
        if wanted == current:
            report.skip(
                "They already have these tags." if add else "They have none of these tags.", opp
            )
            continue
        old = ", ".join(t.name for t in opp.tags) or None
        if add:
            opp.tags = sorted({*opp.tags, *tags}, key=lambda t: t.name)
        else:
            opp.tags = [t for t in opp.tags if t.id in wanted]
        opp.updated_at, opp.updated_by_id = now, user.id
        record(
            opp,
            user,
            "updated",
            field="tags",
            old=old,
            new=", ".join(t.name for t in opp.tags) or None,
        )
        report.changed += 1
    return report


@transactional
def set_close_date(user: User, target: Target, value):
    """Set the expected close date of the deals (read in the user's locale)."""
    close = fields.day("close_date", value)
    if close is None:
        raise ValidationError({"close_date": "Enter the expected close date."})
    report = Report("close_date")
    for opp in _editable(user, _load(user, target), report):
        if opp.close_date == close:
            report.skip("They already close on that date.", opp)
            continue
        old, opp.close_date, opp.updated_by_id = opp.close_date, close, user.id
        record(opp, user, "updated", field="close_date", old=old, new=close)
        report.changed += 1
    return report


@transactional
def add_note(user: User, target: Target, body):
    """Leave the same note on each deal (anyone who sees a deal may note it)."""
    text = fields.text("body", body, required=True, max_len=10000, multiline=True)
    report = Report("note")
    for opp in _load(user, target):
        db.session.add(Note(opportunity_id=opp.id, author_id=user.id, body=text))
        record(opp, user, "note", message=text[:500])
        report.changed += 1
    return report


@transactional
def trash(user: User, target: Target):
    """Move the deals to the trash (``permissions.can_delete``; the others are reported)."""
    from ..trash.services import stamp_trashed

    report = Report("trash")
    for opp in _editable(user, _load(user, target), report, delete=True):
        stamp_trashed(user, opp)
        report.changed += 1
    return report


def run(user: User, action: str, form) -> Report:
    """Carry out the mass ``action`` named in the form on the deals it targets."""
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
    raise ValidationError({"action": "Choose an action."})


def action_of(value) -> str | None:
    return value if value in ACTIONS else None
