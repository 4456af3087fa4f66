from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..board.services import visible_pipelines
from ..errors import ValidationError
from . import services
from .forms import OpportunityForm

bp = Blueprint("opportunities", __name__, url_prefix="/opportunities")


def _stage_choices(user) -> list[tuple[str, str]]:
    return [
        (str(stage.id), f"{pipeline.name} › {stage.name}")
        for pipeline in visible_pipelines(user)
        for stage in pipeline.open_stages
    ]


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = OpportunityForm(formdata=request.form or None, data=request.args.to_dict())
    form.stage_id.choices = _stage_choices(current_user)
    if form.validate_on_submit():
        try:
            opp = services.create_opportunity(current_user, request.form.to_dict())
        except ValidationError as exc:
            for name, message in exc.errors.items():
                getattr(form, name, form.name).errors.append(message)
        else:
            flash(f"Deal “{opp.name}” created.", "success")
            return redirect(url_for("opportunities.detail", opportunity_id=opp.id))
    return render_template("opportunities/new.html", form=form)


@bp.get("/<int:opportunity_id>")
def detail(opportunity_id: int):
    opp = services.get_opportunity(current_user, opportunity_id)
    return render_template("opportunities/detail.html", opp=opp)
