"""The pipeline editor (Admin > Pipelines): thin views over ``services``."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from webapp.errors import ValidationError
from webapp.extensions import htmx
from webapp.inputs import id_param

from . import gates, services

bp = Blueprint(
    "pipeline_variants",
    __name__,
    url_prefix="/admin/pipelines",
    static_folder="static",
    static_url_path="/static",
)


@bp.get("/")
def index():
    return render_template(
        "pipeline_variants/index.html", overview=services.overview(current_user), errors={}
    )


@bp.post("/")
def create():
    business_line_id = id_param(request.form, "business_line_id") or 0
    try:
        pipeline = services.instantiate(
            current_user,
            business_line_id,
            request.form.get("template", ""),
            request.form.get("name"),
        )
    except ValidationError as exc:
        return render_template(
            "pipeline_variants/index.html",
            overview=services.overview(current_user),
            errors={business_line_id: exc.message},
            form=request.form,
        ), 422
    flash(_("Pipeline %(name)s created.", name=pipeline.name), "success")
    return redirect(url_for(".edit", pipeline_id=pipeline.id))


def _editor(pipeline, **extra):
    return {
        "pipeline": pipeline,
        "counts": services.deal_counts(pipeline),
        "gate_choices": gates.choices(),
        "gate_label": gates.label,
        **extra,
    }


@bp.get("/<int:pipeline_id>")
def edit(pipeline_id: int):
    pipeline = services.get_pipeline(current_user, pipeline_id)
    return render_template("pipeline_variants/edit.html", **_editor(pipeline))


@bp.post("/<int:pipeline_id>")
def rename(pipeline_id: int):
    pipeline = services.get_pipeline(current_user, pipeline_id)
    typed = request.form.get("name", "")
    try:
        services.rename_pipeline(current_user, pipeline, typed)
    except ValidationError as exc:
        return render_template(
            "pipeline_variants/_header.html",
            **_editor(pipeline, name_error=exc.message, typed_name=typed),
        ), 422
    if htmx:
        return render_template("pipeline_variants/_header.html", **_editor(pipeline, saved=True))
    return redirect(url_for(".edit", pipeline_id=pipeline.id))


@bp.post("/<int:pipeline_id>/default")
def make_default(pipeline_id: int):
    pipeline = services.make_default(current_user, services.get_pipeline(current_user, pipeline_id))
    if htmx:
        return render_template("pipeline_variants/_header.html", **_editor(pipeline))
    return redirect(url_for(".edit", pipeline_id=pipeline.id))


@bp.post("/<int:pipeline_id>/delete")
def delete(pipeline_id: int):
    pipeline = services.get_pipeline(current_user, pipeline_id)
    name = pipeline.name
    try:
        services.delete_pipeline(current_user, pipeline)
    except ValidationError as exc:
        flash(exc.message, "danger")
        return redirect(url_for(".edit", pipeline_id=pipeline_id))
    flash(_("Pipeline %(name)s deleted.", name=name), "success")
    return redirect(url_for(".index"))


def _stages(pipeline, status: int = 200, **extra):
    """The stage list: the htmx fragment, or back to the editor page."""
    if htmx or status != 200:
        template = "pipeline_variants/_stages.html" if htmx else "pipeline_variants/edit.html"
        return render_template(template, **_editor(pipeline, **extra)), status
    return redirect(url_for(".edit", pipeline_id=pipeline.id))


def _stage_form() -> dict:
    data = {key: request.form.get(key) for key in ("name", "probability", "rotting_days")}
    if "requirements" in request.form:
        data["requirements"] = request.form.getlist("requirements")
    return data


@bp.post("/<int:pipeline_id>/stages")
def add_stage(pipeline_id: int):
    pipeline = services.get_pipeline(current_user, pipeline_id)
    try:
        services.add_stage(current_user, pipeline, _stage_form())
    except ValidationError as exc:
        return _stages(pipeline, 422, add_errors=exc.errors, add_form=request.form)
    return _stages(pipeline)


@bp.post("/<int:pipeline_id>/stages/order")
def reorder(pipeline_id: int):
    pipeline = services.get_pipeline(current_user, pipeline_id)
    order = [i for i in request.form.get("order", "").split(",") if i]
    try:
        services.reorder_stages(current_user, pipeline, order)
    except ValidationError as exc:
        return _stages(pipeline, 422, order_error=exc.message)
    return _stages(pipeline)


@bp.post("/stages/<int:stage_id>/move")
def move(stage_id: int):
    stage = services.get_stage(current_user, stage_id)
    services.move_stage_by(current_user, stage, -1 if request.form.get("step") == "up" else 1)
    return _stages(stage.pipeline)


@bp.post("/stages/<int:stage_id>")
def update_stage(stage_id: int):
    stage = services.get_stage(current_user, stage_id)
    try:
        services.update_stage(current_user, stage, _stage_form())
    except ValidationError as exc:  # nothing was changed: show the typed values again
        form = {**_stage_form(), "requirements": request.form.getlist("requirements")}
        if not htmx:
            return render_template(
                "pipeline_variants/edit.html",
                stage_errors={stage.id: exc.errors},
                stage_forms={stage.id: form},
                **_editor(stage.pipeline),
            ), 422
        return render_template(
            "pipeline_variants/_stage.html",
            stage=stage,
            errors=exc.errors,
            form=form,
            **_editor(stage.pipeline),
        ), 422
    if htmx:
        return render_template(
            "pipeline_variants/_stage.html", stage=stage, saved=True, **_editor(stage.pipeline)
        )
    return redirect(url_for(".edit", pipeline_id=stage.pipeline_id))


@bp.route("/stages/<int:stage_id>/delete", methods=["GET", "POST"])
def delete_stage(stage_id: int):
    stage = services.get_stage(current_user, stage_id)
    pipeline = stage.pipeline
    context = _editor(pipeline, stage=stage)
    if request.method == "GET":
        template = "_delete_stage.html" if htmx else "delete_stage.html"
        return render_template(f"pipeline_variants/{template}", **context)
    name = stage.name
    try:
        moved = services.delete_stage(current_user, stage, request.form.get("move_to"))
    except ValidationError as exc:
        template = "_delete_stage_form.html" if htmx else "delete_stage.html"
        return render_template(f"pipeline_variants/{template}", error=exc.message, **context), 422
    message = (
        ngettext(
            "Stage %(stage)s deleted; %(num)d deal moved.",
            "Stage %(stage)s deleted; %(num)d deals moved.",
            moved,
            stage=name,
        )
        if moved
        else _("Stage %(stage)s deleted.", stage=name)
    )
    if htmx:
        response = _stages(pipeline, deleted_message=message)
        return (
            response[0],
            200,
            {"HX-Trigger": "closeDialog", "HX-Retarget": "#stages", "HX-Reswap": "outerHTML"},
        )
    flash(message, "success")
    return redirect(url_for(".edit", pipeline_id=pipeline.id))
