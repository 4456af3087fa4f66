"""Pipeline variants: pipeline templates (Brevo, Vtiger, Keap, renewals), a pipeline editor and
stage gates (what a deal needs before entering a stage), per business line."""

from pathlib import Path

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.hookspecs import hookimpl

from . import catalog, gates

# The admin page's name and description of this plugin, in the reader's language.
TITLE = _l("Pipeline variants")
DESCRIPTION = _l(
    "Pipeline templates (Brevo, Vtiger, Keap, renewals), a pipeline editor and stage gates "
    "(what a deal needs before entering a stage), per business line."
)

HERE = Path(__file__).parent


@hookimpl
def register_pipeline_templates():
    return catalog.TEMPLATES


@hookimpl
def opportunity_stage_changing(opportunity, from_stage, to_stage):
    """The stage gate: what the deal misses to enter ``to_stage``."""
    return gates.problems(opportunity, from_stage, to_stage)


@hookimpl
def register_blueprints(app):
    from .views import bp

    return [bp]


@hookimpl
def register_template_folders():
    return [HERE / "templates"]


@hookimpl
def register_translation_folders():
    return [HERE / "translations"]


@hookimpl
def admin_actions(user):
    if user.role not in ("admin", "manager"):
        return []
    return [
        {
            "label": _("Pipelines"),
            "href": url_for("pipeline_variants.index"),
            "description": _(
                "Create pipelines from templates; edit stages, probabilities, "
                "rotting days and gates."
            ),
        }
    ]
