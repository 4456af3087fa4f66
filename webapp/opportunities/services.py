"""Domain operations on opportunities, shared by the HTML views, the API, the CLI and plugins.

Every operation checks permission through ``permissions``, writes the timeline, calls the
plugin hooks of the deal's business line; each is one intent (``webapp.transactions``): it commits
once, and on any error nothing is written.
"""

from collections import Counter
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import permissions
from ..accounts.matching import resolve_account
from ..errors import ConflictError, GateError, NotFound, ValidationError
from ..extensions import db
from ..inputs import integers
from ..models import (
    SALES_GROUP,
    LostReason,
    Opportunity,
    OpportunityContact,
    OpportunityLine,
    Pipeline,
    Stage,
    StageHistory,
    Tag,
    User,
)
from ..models._base import ZERO, utcnow
from ..plugins import flatten, hook
from ..reports import funnel_days, summaries
from ..timeline.services import display, record
from ..transactions import transactional
from . import fields
from .history import leaving


def get_opportunity(user: User, opportunity_id: int, *, for_edit: bool = False) -> Opportunity:
    """The deal, or NotFound; PermissionDenied when the user may not see (or edit) it."""
    opp = db.session.get(Opportunity, opportunity_id)
    if opp is None or opp.deleted_at is not None:
        raise NotFound(_("This deal does not exist or was deleted."))
    permissions.require_view(user, opp)
    if for_edit:
        permissions.require_edit(user, opp)
    return opp


def default_pipeline(user: User) -> Pipeline | None:
    """The user's default pipeline: the default one of their first business line."""
    query = select(Pipeline).order_by(Pipeline.is_default.desc(), Pipeline.position, Pipeline.id)
    if not permissions.is_admin(user):
        query = query.where(Pipeline.business_line_id.in_(user.business_line_ids or [0]))
    return db.session.scalars(query.limit(1)).first()


def check_version(opp: Opportunity, version) -> None:
    """ConflictError when the caller's ``version`` is not the deal's current one."""
    if version in (None, ""):
        return
    try:
        stale = int(version) != opp.version
    except (TypeError, ValueError):
        raise ValidationError({"version": _("Invalid version.")}) from None
    if stale:
        raise ConflictError(opp)


def _check_owner(owner: User, business_line_id: int) -> None:
    if not owner.active or not owner.in_group(SALES_GROUP):
        raise ValidationError(
            {"owner_id": _("The owner must be an active member of the sales group.")}
        )
    if not permissions.can_view_business_line(owner, business_line_id):
        raise ValidationError({"owner_id": _("The owner does not work in this business line.")})
    if not permissions.can_write(owner):
        raise ValidationError({"owner_id": _("A read-only user cannot own a deal.")})


def _resolve_stage(data: dict, user: User) -> Stage:
    if data.get("stage_id") not in (None, ""):
        stage = fields.row("stage_id", Stage, data["stage_id"], "stage")
    else:
        pipeline = (
            fields.row("pipeline_id", Pipeline, data["pipeline_id"], "pipeline")
            if data.get("pipeline_id") not in (None, "")
            else default_pipeline(user)
        )
        if pipeline is None:
            raise ValidationError({"stage_id": _("No pipeline is set up yet.")})
        stage = next(iter(pipeline.open_stages), None)
        if stage is None:
            raise ValidationError({"stage_id": _("This pipeline has no open stage.")})
    if stage.is_closed:
        raise ValidationError({"stage_id": _("A new deal starts in an open stage.")})
    return stage


@transactional
def create_opportunity(user: User, data: dict) -> Opportunity:
    """Create a deal from form-like ``data``; the account picked or typed goes through
    ``accounts.matching`` (an existing one is linked, a new one needs no likely duplicate)."""
    parsed = fields.parse({key: value for key, value in data.items() if key != "account_id"})
    stage = _resolve_stage(data, user)
    pipeline = stage.pipeline
    permissions.require(
        permissions.can_create_in(user, pipeline.business_line_id),
        _("You may not create deals in this business line."),
    )
    owner = parsed.pop("owner_id", None) or user
    _check_owner(owner, pipeline.business_line_id)
    account = resolve_account(user, data)

    now = utcnow()
    opp = Opportunity(
        pipeline=pipeline,
        stage=stage,
        business_line_id=pipeline.business_line_id,
        owner=owner,
        account=account,
        created_by_id=user.id,
        updated_by_id=user.id,
        stage_entered_at=now,
        status="open",
        position=_top_position(stage.id),
    )
    probability = parsed.pop("probability", None)
    opp.probability = stage.probability if probability is None else probability
    opp.probability_overridden = probability is not None
    for key, value in parsed.items():
        setattr(opp, fields.ATTRIBUTES.get(key, key), value)
    opp.amount = opp.amount or ZERO
    opp.amount_manual = opp.amount > 0
    opp.currency = opp.currency or "EUR"
    if data.get("tag_ids"):
        opp.tags = _tags(data["tag_ids"])
    if opp.primary_contact is not None:
        opp.contact_links.append(OpportunityContact(contact=opp.primary_contact, role="other"))
    db.session.add(opp)
    db.session.flush()
    db.session.add(
        StageHistory(opportunity_id=opp.id, stage_id=stage.id, entered_at=now, user_id=user.id)
    )
    funnel_days.changed([opp.id], Counter())  # its one visit goes on: no ended visit
    record(opp, user, "created", message=f"Created in {stage.name}", new=opp.name)
    hook("opportunity_saved", opp)(opportunity=opp, changes={}, user=user, created=True)
    return opp


def _tags(tag_ids) -> list[Tag]:
    ids = integers(tag_ids)
    return list(db.session.scalars(select(Tag).where(Tag.id.in_(ids)))) if ids else []


def _top_position(stage_id: int) -> int:
    lowest = db.session.scalar(
        select(func.min(Opportunity.position)).where(
            Opportunity.stage_id == stage_id, Opportunity.status == "open"
        )
    )
    return (lowest or 0) - 1


@transactional
def update_opportunity(user: User, opp: Opportunity, data: dict, version=None) -> dict:
    """Apply the fields present in ``data``; returns {field: (old, new)} of what changed."""
    permissions.require_edit(user, opp)
    check_version(opp, version)
    if "account_name" in data:  # the account picker: picked or typed (accounts.matching)
        data = {**data, "account_id": resolve_account(user, data, field="account_id")}
    parsed = fields.parse(data)
    if "owner_id" in parsed and parsed["owner_id"] is not None:
        _check_owner(parsed["owner_id"], opp.business_line_id)
    if "name" in data and not parsed.get("name"):
        raise ValidationError({"name": _("This field is required.")})

    changes = {}
    for key, value in parsed.items():
        attr = fields.ATTRIBUTES.get(key, key)
        if key == "probability":
            if value is None:  # cleared: follow the stage again
                opp.probability_overridden = False
                value = opp.stage.probability
            else:
                opp.probability_overridden = True
        old = getattr(opp, attr)
        if old == value:
            continue
        setattr(opp, attr, value)
        changes[key] = (old, value)
        if key == "amount":
            opp.amount_manual = value > 0
    if "amount" in changes and not opp.amount_manual:
        sync_amount(opp)
    if "tag_ids" in data:
        tags = _tags(data["tag_ids"] or [])
        if {t.id for t in tags} != {t.id for t in opp.tags}:
            old_names = ", ".join(t.name for t in opp.tags)
            opp.tags = sorted(tags, key=lambda t: t.name)
            opp.updated_at = utcnow()  # a row update, so the version moves too
            changes["tags"] = (old_names or None, ", ".join(t.name for t in opp.tags) or None)
    if not changes:
        return changes
    opp.updated_by_id = user.id
    for key, (old, new) in changes.items():
        record(opp, user, "updated", field=key, old=old, new=new)
    hook("opportunity_saved", opp)(opportunity=opp, changes=changes, user=user, created=False)
    return changes


def sync_amount(opp: Opportunity, user: User | None = None) -> bool:
    """While the amount was left at zero it follows the product lines; True if it changed."""
    if opp.amount_manual:
        return False
    total = opp.lines_total
    if total == (opp.amount or ZERO):
        return False
    old, opp.amount = opp.amount, total
    record(
        opp,
        user,
        "updated",
        field="amount",
        old=old,
        new=total,
        message="Amount follows the product lines",
    )
    return True


def _line_numbers(data: dict, errors: dict) -> tuple:
    """Quantity (> 0, default 1), unit price (None when blank) and discount % (0-100) of a
    product line; raises ValidationError with ``errors`` plus any of these."""
    quantity = unit_price = discount = None
    try:
        quantity = fields.number("quantity", data.get("quantity") or "1")
        if quantity < 0:
            errors["quantity"] = _("The quantity must be a positive number.")
        elif quantity == 0:
            errors["quantity"] = _("The quantity must be more than zero.")
        elif quantity > fields.MAX_QUANTITY:
            errors["quantity"] = _("That quantity is too large.")
        quantity = quantity.quantize(Decimal("0.01"))
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        unit_price = fields.money("unit_price", data.get("unit_price"))
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        discount = fields.number("discount", data.get("discount"), kind="percent") or ZERO
        if not ZERO <= discount <= 100:
            errors["discount"] = _("The discount is a percentage between 0 and 100.")
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return quantity, unit_price, discount


@transactional
def add_line(user: User, opp: Opportunity, data: dict) -> OpportunityLine:
    """Add a product line (qty, unit price, discount %); the amount follows if left at zero."""
    permissions.require_edit(user, opp)
    from ..models import Product

    product = fields.row("product_id", Product, data.get("product_id"), "product")
    errors = {}
    if product is None and not (data.get("description") or "").strip():
        errors["product_id"] = _("Choose a product or describe the line.")
    quantity, unit_price, discount = _line_numbers(data, errors)
    if unit_price is None:
        unit_price = product.unit_price if product else ZERO
    line = OpportunityLine(
        product=product,
        description=fields.text("description", data.get("description"), max_len=255)
        or (product.name if product else None),
        quantity=quantity,
        unit_price=unit_price,
        discount=discount,
        position=len(opp.lines),
    )
    opp.lines.append(line)
    db.session.flush()
    added = f"Added {line.description} x {quantity.normalize():f}"
    record(opp, user, "line", message=added, new=line.subtotal)
    sync_amount(opp, user)
    opp.updated_by_id = user.id
    return line


@transactional
def update_line(user: User, opp: Opportunity, line_id, data: dict) -> OpportunityLine:
    """Change a line's quantity, unit price or discount; the amount follows if left at zero."""
    permissions.require_edit(user, opp)
    line = next((ln for ln in opp.lines if ln.id == int(line_id)), None)
    if line is None:
        raise NotFound(_("This product line does not exist."))
    quantity, unit_price, discount = _line_numbers(data, {})
    old_subtotal = line.subtotal
    if unit_price is None:
        unit_price = line.unit_price
    new = {"quantity": quantity, "unit_price": unit_price, "discount": discount}
    old = {key: getattr(line, key) for key in new}
    changed = [key for key, value in new.items() if old[key] != value]
    if not changed:
        return line
    for key in changed:
        setattr(line, key, new[key])
    record(
        opp,
        user,
        "line",
        message=f"Changed {line.description}",
        old=old_subtotal,
        new=line.subtotal,
        data={"changes": {key: [display(old[key]), display(new[key])] for key in changed}},
    )
    sync_amount(opp, user)
    opp.updated_by_id = user.id
    return line


@transactional
def remove_line(user: User, opp: Opportunity, line_id: int) -> None:
    permissions.require_edit(user, opp)
    line = next((ln for ln in opp.lines if ln.id == int(line_id)), None)
    if line is None:
        raise NotFound(_("This product line does not exist."))
    opp.lines.remove(line)
    db.session.flush()
    record(opp, user, "line", message=f"Removed {line.description}", old=line.subtotal)
    sync_amount(opp, user)
    opp.updated_by_id = user.id


@transactional
def move_stage(
    user: User,
    opp: Opportunity,
    stage_id,
    version=None,
    *,
    lost_reason_id=None,
    lost_note: str | None = None,
    position: int | None = None,
) -> Opportunity:
    """Move the deal to a stage of its pipeline; won/lost stages close it.

    Probability follows the stage unless overridden; a stale ``version`` raises
    ConflictError; a plugin gate raises GateError; lost needs a reason. Nothing is written
    on error.
    """
    permissions.require_edit(user, opp)
    check_version(opp, version)
    # The pipeline's stages, read together (the gates read them too): the deal's stage and
    # the target are then found in the session instead of read one by one.
    stages = opp.pipeline.stages
    to_stage = fields.row("stage_id", Stage, stage_id, "stage")
    if to_stage is None or to_stage not in stages:
        raise ValidationError({"stage_id": _("Unknown stage for this pipeline.")})
    from_stage = opp.stage
    reason = None
    if to_stage.kind == "lost":
        reason = fields.row("lost_reason_id", LostReason, lost_reason_id, "lost reason")
        if reason is None:
            raise ValidationError({"lost_reason_id": _("Say why the deal was lost.")})

    if to_stage.id == from_stage.id:
        if position is not None and position != opp.position:
            opp.position = position
        return opp

    problems = flatten(
        hook("opportunity_stage_changing", opp)(
            opportunity=opp, from_stage=from_stage, to_stage=to_stage, user=user
        )
    )
    if problems:
        raise GateError(problems, to_stage)

    now = utcnow()
    before = summaries.snapshot([opp.id])
    db.session.execute(
        StageHistory.__table__.update()
        .where(StageHistory.opportunity_id == opp.id, StageHistory.left_at.is_(None))
        .values(leaving(now))
    )
    db.session.add(
        StageHistory(opportunity_id=opp.id, stage_id=to_stage.id, entered_at=now, user_id=user.id)
    )
    position = _top_position(to_stage.id) if position is None else position
    enter_stage(user, opp, to_stage, now, position, reason, lost_note)
    summaries.changed([opp.id], before)
    hook("opportunity_stage_changed", opp)(
        opportunity=opp, from_stage=from_stage, to_stage=to_stage, user=user
    )
    if to_stage.is_closed:
        hook("opportunity_closed", opp)(opportunity=opp, won=to_stage.kind == "won", user=user)
    return opp


def enter_stage(
    user: User,
    opp: Opportunity,
    to_stage: Stage,
    now,
    position: int,
    reason: LostReason | None = None,
    lost_note: str | None = None,
) -> None:
    """Put the deal in ``to_stage`` and write its timeline: probability, status, closing,
    won amount, lost reason and the stage lost from, reopening. The callers (``move_stage``,
    mass actions) check permission, gates and the lost reason, and keep the stage history."""
    from_stage = opp.stage
    opp.stage = to_stage
    opp.stage_entered_at = now
    opp.position = position
    opp.updated_by_id = user.id
    if not opp.probability_overridden or to_stage.is_closed:
        opp.probability = to_stage.probability
    was_closed = opp.status != "open"
    opp.status = to_stage.kind
    record(opp, user, "stage", field="stage", old=from_stage, new=to_stage)
    opp.lost_from_stage_id = from_stage.id if to_stage.kind == "lost" else None
    if to_stage.kind == "won":
        opp.closed_at = now
        opp.lost_reason, opp.lost_note = None, None
        _amount_at_won(opp, user)
        record(opp, user, "won", message="Closed won", new=opp.amount)
    elif to_stage.kind == "lost":
        opp.closed_at = now
        opp.lost_reason = reason
        opp.lost_note = fields.text("lost_note", lost_note, max_len=2000, multiline=True)
        record(opp, user, "lost", message="Closed lost", new=reason)
    elif was_closed:
        opp.closed_at, opp.lost_reason, opp.lost_note = None, None, None
        record(opp, user, "reopened", message="Reopened")


def _amount_at_won(opp: Opportunity, user: User) -> None:
    """At won: a plugin's amount (the accepted quote) wins, else the product rule."""
    amount = hook("opportunity_amount", opp)(opportunity=opp)
    if amount is not None:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        if amount != opp.amount:
            record(
                opp,
                user,
                "updated",
                field="amount",
                old=opp.amount,
                new=amount,
                message="Amount taken from the accepted quote",
            )
            opp.amount = amount
            opp.amount_manual = True
    else:
        sync_amount(opp, user)


def close_won(user: User, opp: Opportunity, version=None) -> Opportunity:
    stage = opp.pipeline.stage_of_kind("won")
    if stage is None:
        raise ValidationError({"stage_id": _("This pipeline has no won stage.")})
    return move_stage(user, opp, stage.id, version)


def close_lost(
    user: User, opp: Opportunity, lost_reason_id, version=None, note=None
) -> Opportunity:
    stage = opp.pipeline.stage_of_kind("lost")
    if stage is None:
        raise ValidationError({"stage_id": _("This pipeline has no lost stage.")})
    return move_stage(user, opp, stage.id, version, lost_reason_id=lost_reason_id, lost_note=note)


@transactional
def delete_opportunity(user: User, opp: Opportunity, version=None) -> None:
    """Move the deal to the trash (kept, with its history)."""
    permissions.require(permissions.can_delete(user, opp), _("You may not delete this deal."))
    check_version(opp, version)
    from ..trash.services import stamp_trashed

    stamp_trashed(user, opp)
