"""Pipeline editor operations: instantiate templates, rename, reorder, add and delete stages.

Managers of a business line (and admins) edit its pipelines where the plugin is enabled.
Every change commits on success and writes nothing on error.
"""

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from webapp import permissions
from webapp.errors import NotFound, PermissionDenied, ValidationError
from webapp.extensions import db
from webapp.models import (
    BusinessLine,
    Opportunity,
    Pipeline,
    Stage,
    StageHistory,
    TimelineEntry,
    User,
)
from webapp.models._base import utcnow
from webapp.opportunities import fields
from webapp.opportunities.history import leaving
from webapp.pipelines.services import create_pipeline
from webapp.plugins import flatten, hook, is_enabled
from webapp.reports import funnel_days, summaries
from webapp.timeline.services import record
from webapp.transactions import transactional

from . import gates

PLUGIN = "pipeline_variants"


def require_manage(user: User | None, business_line_id: int) -> None:
    """Managers of the line (or admins) may edit its pipelines, where the plugin is enabled."""
    if user is not None and not permissions.manages(user, business_line_id):
        raise PermissionDenied(_("Only admins and this business line's managers edit pipelines."))
    if not is_enabled(PLUGIN, business_line_id):
        raise PermissionDenied(_("Pipeline variants is not enabled for this business line."))


def manageable_lines(user: User) -> list[BusinessLine]:
    lines = db.session.scalars(select(BusinessLine).order_by(BusinessLine.name))
    return [bl for bl in lines if permissions.manages(user, bl.id)]


def pipeline_templates(business_line_id: int) -> list[dict]:
    """Templates from the plugins enabled in the business line (this one's and others')."""
    return flatten(hook("register_pipeline_templates", business_line_id=business_line_id)())


@transactional
def instantiate(
    user: User | None, business_line_id: int, key: str, name: str | None = None
) -> Pipeline:
    """A new pipeline in the business line from the template ``key``; the line's first
    pipeline becomes its default."""
    require_manage(user, business_line_id)
    template = next((t for t in pipeline_templates(business_line_id) if t["key"] == key), None)
    if template is None:
        raise ValidationError({"template": _("Choose a pipeline template.")})
    name = fields.text("name", name, max_len=120) or str(template["name"])
    existing = db.session.scalar(
        select(func.count())
        .select_from(Pipeline)
        .where(Pipeline.business_line_id == business_line_id)
    )
    last = db.session.scalar(
        select(func.max(Pipeline.position)).where(Pipeline.business_line_id == business_line_id)
    )
    pipeline = create_pipeline(
        db.session.get(BusinessLine, business_line_id),
        name,
        [dict(stage) for stage in template["stages"]],
        is_default=not existing,
        template=key,
        position=(last or 0) + 1 if existing else 0,
    )
    return pipeline


@transactional
def rename_pipeline(user: User, pipeline: Pipeline, name: str) -> Pipeline:
    require_manage(user, pipeline.business_line_id)
    pipeline.name = fields.text("name", name, required=True, max_len=120)
    return pipeline


@transactional
def make_default(user: User, pipeline: Pipeline) -> Pipeline:
    """The business line's default pipeline (the board opens it first)."""
    require_manage(user, pipeline.business_line_id)
    db.session.execute(
        update(Pipeline)
        .where(Pipeline.business_line_id == pipeline.business_line_id)
        .values(is_default=False)
    )
    pipeline.is_default = True
    return pipeline


def deal_counts(pipeline: Pipeline) -> dict[int, int]:
    """Deals (open or closed, trash included) sitting in each stage of the pipeline."""
    rows = db.session.execute(
        select(Opportunity.stage_id, func.count())
        .where(Opportunity.pipeline_id == pipeline.id)
        .group_by(Opportunity.stage_id)
    )
    return dict(rows.all())


@transactional
def delete_pipeline(user: User, pipeline: Pipeline) -> None:
    """Only a pipeline that never held a deal may go (deals keep their history)."""
    require_manage(user, pipeline.business_line_id)
    if deal_counts(pipeline):
        raise ValidationError({"pipeline": _("This pipeline holds deals: it cannot be deleted.")})
    business_line_id, was_default = pipeline.business_line_id, pipeline.is_default
    db.session.delete(pipeline)
    db.session.flush()
    if was_default:
        heir = db.session.scalar(
            select(Pipeline)
            .where(Pipeline.business_line_id == business_line_id)
            .order_by(Pipeline.position, Pipeline.id)
        )
        if heir is not None:
            heir.is_default = True


def _stage_values(data: dict) -> dict:
    """Parse a stage form: name, probability (0-100), rotting days, requirements."""
    errors, values = {}, {}
    try:
        values["name"] = fields.text("name", data.get("name"), required=True, max_len=120)
    except ValidationError as exc:
        errors.update(exc.errors)
    for key, maximum in (("probability", 100), ("rotting_days", 3650)):
        try:
            values[key] = fields.integer(key, data.get(key), minimum=0, maximum=maximum)
        except ValidationError as exc:
            errors.update(exc.errors)
    if "requirements" in data:
        chosen = [r for r in data["requirements"] if r]
        unknown = [r for r in chosen if not gates.valid(r)]
        if unknown:
            errors["requirements"] = _("Unknown requirement: %(names)s.", names=", ".join(unknown))
        values["requirements"] = list(dict.fromkeys(chosen)) or None
    if errors:
        raise ValidationError(errors)
    if values.get("rotting_days") == 0:
        values["rotting_days"] = None
    return values


@transactional
def add_stage(user: User, pipeline: Pipeline, data: dict) -> Stage:
    """A new open stage, placed after the last open stage (before won and lost)."""
    require_manage(user, pipeline.business_line_id)
    values = _stage_values(data)
    stages = list(pipeline.stages)
    open_count = len([s for s in stages if s.kind == "open"])
    stage = Stage(
        name=values["name"],
        probability=values.get("probability") or 0,
        rotting_days=values.get("rotting_days"),
        requirements=values.get("requirements"),
        kind="open",
        position=open_count,
    )
    ordered = [s for s in stages if s.kind == "open"] + [stage] + [s for s in stages if s.is_closed]
    pipeline.stages.append(stage)
    _renumber(ordered)
    return stage


@transactional
def update_stage(user: User, stage: Stage, data: dict) -> Stage:
    """Rename, set probability, rotting days and gate. Deals that follow the stage's
    probability (not overridden) take the new one."""
    require_manage(user, stage.pipeline.business_line_id)
    values = _stage_values(data)
    if stage.is_closed and values.get("probability") not in (None, stage.probability):
        raise ValidationError({"probability": _("Won and lost stages keep 100%% and 0%%.")})
    old_probability = stage.probability
    stage.name = values["name"]
    if values.get("probability") is not None:
        stage.probability = values["probability"]
    stage.rotting_days = values.get("rotting_days")
    if "requirements" in values:
        stage.requirements = values["requirements"]
    if stage.probability != old_probability:
        _follow_probability(stage, old_probability, user)
    return stage


def _follow_probability(stage: Stage, old: int, user: User | None) -> None:
    """Deals of the stage whose probability is not overridden take the new one; each gets a
    timeline entry (one bulk insert)."""
    following = (Opportunity.stage_id == stage.id) & Opportunity.probability_overridden.is_(False)
    ids = db.session.scalars(select(Opportunity.id).where(following)).all()
    if not ids:
        return
    db.session.execute(
        update(Opportunity)
        .where(following)
        .values(probability=stage.probability, version=Opportunity.version + 1)
        .execution_options(synchronize_session=False)
    )
    now = utcnow()
    db.session.execute(
        insert(TimelineEntry),
        [
            {
                "opportunity_id": opp_id,
                "user_id": user and user.id,
                "created_at": now,
                "action": "updated",
                "field": "probability",
                "old_value": str(old),
                "new_value": str(stage.probability),
                "message": f"The probability of {stage.name} changed",
            }
            for opp_id in ids
        ],
    )


def _renumber(stages: list[Stage]) -> None:
    for position, stage in enumerate(stages):
        stage.position = position


@transactional
def reorder_stages(user: User, pipeline: Pipeline, stage_ids: list) -> list[Stage]:
    """Put the open stages in the order given; won and lost stay last."""
    require_manage(user, pipeline.business_line_id)
    open_stages = {s.id: s for s in pipeline.stages if s.kind == "open"}
    try:
        ids = [int(i) for i in stage_ids]
    except (TypeError, ValueError):
        raise ValidationError({"order": _("Invalid stage order.")}) from None
    if sorted(ids) != sorted(open_stages):
        raise ValidationError({"order": _("The order must list every open stage once.")})
    ordered = [open_stages[i] for i in ids] + [s for s in pipeline.stages if s.is_closed]
    _renumber(ordered)
    funnel_days.rebuild(pipeline.id)  # "moved on" follows the order
    db.session.refresh(pipeline)  # its stages in the new order
    return pipeline.stages


def move_stage_by(user: User, stage: Stage, step: int) -> list[Stage]:
    """Keyboard/no-JS reordering: move an open stage up (-1) or down (+1)."""
    pipeline = stage.pipeline
    ids = [s.id for s in pipeline.stages if s.kind == "open"]
    if stage.id not in ids:
        raise ValidationError({"order": _("Won and lost stages stay at the end.")})
    index = ids.index(stage.id)
    target = max(0, min(len(ids) - 1, index + step))
    ids.insert(target, ids.pop(index))
    return reorder_stages(user, pipeline, ids)


@transactional
def delete_stage(user: User, stage: Stage, move_to=None) -> int:
    """Delete an open stage: when it holds deals they move to ``move_to`` (another open
    stage of the pipeline), each with a timeline entry. The stage's time-in-stage history is
    counted in ``move_to`` (or the neighbouring stage). Returns how many deals moved."""
    pipeline = stage.pipeline
    require_manage(user, pipeline.business_line_id)
    if stage.is_closed:
        raise ValidationError({"stage": _("A pipeline keeps its won and lost stages.")})
    open_stages = [s for s in pipeline.stages if s.kind == "open"]
    if len(open_stages) == 1:
        raise ValidationError({"stage": _("A pipeline needs at least one open stage.")})
    deals = list(db.session.scalars(select(Opportunity).where(Opportunity.stage_id == stage.id)))
    target = None
    if move_to not in (None, ""):
        target = fields.row("move_to", Stage, move_to, "stage")
        if target.pipeline_id != pipeline.id or target.is_closed or target.id == stage.id:
            raise ValidationError({"move_to": _("Choose another open stage of this pipeline.")})
    if deals and target is None:
        raise ValidationError(
            {
                "move_to": ngettext(
                    "%(num)d deal is in %(stage)s: choose where it moves.",
                    "%(num)d deals are in %(stage)s: choose where they move.",
                    len(deals),
                    stage=stage.name,
                )
            }
        )
    heir = target or _neighbour(open_stages, stage)
    now = utcnow()
    for opp in deals:
        _move_deal(opp, stage, heir, user, now)
    db.session.execute(
        update(StageHistory)
        .where(StageHistory.stage_id == stage.id)
        .values(stage_id=heir.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Opportunity)
        .where(Opportunity.lost_from_stage_id == stage.id)
        .values(lost_from_stage_id=heir.id)
        .execution_options(synchronize_session=False)
    )
    pipeline.stages.remove(stage)
    _renumber(pipeline.stages)
    summaries.rebuild(pipeline.id)  # the stage's visits are the heir's
    return len(deals)


def _neighbour(open_stages: list[Stage], stage: Stage) -> Stage:
    index = open_stages.index(stage)
    return open_stages[index - 1] if index else open_stages[1]


def _move_deal(opp: Opportunity, old: Stage, new: Stage, user: User | None, now) -> None:
    db.session.execute(
        update(StageHistory)
        .where(StageHistory.opportunity_id == opp.id, StageHistory.left_at.is_(None))
        .values(leaving(now))
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        StageHistory(
            opportunity_id=opp.id, stage_id=new.id, entered_at=now, user_id=user and user.id
        )
    )
    opp.stage = new
    opp.stage_entered_at = now
    if not opp.probability_overridden:
        opp.probability = new.probability
    record(
        opp,
        user,
        "stage",
        field="stage",
        old=old,
        new=new,
        message=f"Stage {old.name} was deleted; the deal moved to {new.name}",
    )


def get_pipeline(user: User, pipeline_id: int) -> Pipeline:
    """The pipeline, for someone who may edit it (NotFound / PermissionDenied otherwise)."""
    pipeline = db.session.get(Pipeline, pipeline_id)
    if pipeline is None:
        raise NotFound(_("This pipeline does not exist."))
    require_manage(user, pipeline.business_line_id)
    return pipeline


def get_stage(user: User, stage_id: int) -> Stage:
    stage = db.session.get(Stage, stage_id)
    if stage is None:
        raise NotFound(_("This stage does not exist."))
    require_manage(user, stage.pipeline.business_line_id)
    return stage


def overview(user: User) -> list[dict]:
    """For each business line the user manages: its pipelines, whether the plugin is enabled
    there and the templates it offers."""
    lines = manageable_lines(user)
    if not lines:
        raise PermissionDenied(_("Only admins and managers edit pipelines."))
    pipelines = db.session.scalars(
        select(Pipeline)
        .options(selectinload(Pipeline.stages))
        .where(Pipeline.business_line_id.in_([bl.id for bl in lines]))
        .order_by(Pipeline.position, Pipeline.id)
    ).all()
    result = []
    for bl in lines:
        enabled = is_enabled(PLUGIN, bl.id)
        result.append(
            {
                "line": bl,
                "enabled": enabled,
                "pipelines": [p for p in pipelines if p.business_line_id == bl.id],
                "templates": pipeline_templates(bl.id) if enabled else [],
            }
        )
    return result


@transactional
def adopt_gates(user: User | None, pipeline: Pipeline, key: str) -> None:
    """Give an existing pipeline the gates of the template ``key``, stage by stage name."""
    require_manage(user, pipeline.business_line_id)
    template = next(t for t in pipeline_templates(pipeline.business_line_id) if t["key"] == key)
    wanted = {s["name"]: s.get("requirements") for s in template["stages"]}
    for stage in pipeline.stages:
        if wanted.get(stage.name):
            stage.requirements = list(wanted[stage.name])
