"""The plugin contract: every hook Opportuno calls, each documented in docs/plugin_hooks.md.

Naming: ``register_*`` hooks return a list; ``*_actions``/``*_panels``/``*_badges`` return
items for a slot in a page; plain event names (``opportunity_stage_changed``) notify.
Hooks that take an ``opportunity`` are called only for the plugins enabled in its business
line. Implementations may accept fewer arguments than the spec offers.
"""

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # annotations only: the contract imports nothing at run time
    import click
    from flask import Flask, Request

    from .models import Account, Contact, Opportunity, Stage, User

PROJECT = "opportuno"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- Set-up ---------------------------------------------------------------------------------


@hookspec
def startup(app: "Flask") -> None:
    """Called once at the end of create_app, inside an application context."""


@hookspec
def register_blueprints(app: "Flask") -> list:
    """Return a list of Flask blueprints to register on the app."""


@hookspec
def register_migrations() -> list:
    """Return a list of directories holding the plugin's Alembic revisions.

    Each plugin's revisions form a branch of their own (``branch_labels``) that
    ``depends_on`` the core revision it needs; ``db upgrade`` applies every head.
    """


@hookspec
def register_template_folders() -> list:
    """Return a list of directories whose templates join the app's template search path."""


@hookspec
def register_translation_folders() -> list:
    """Return a list of catalogue folders (``<folder>/<lang>/LC_MESSAGES/messages.po`` and its
    compiled ``.mo``); their messages join the core's (a plugin's wins on a clash)."""


@hookspec
def extra_template_vars(template: str, request: "Request", user: "User") -> dict:
    """Return a dict of extra variables for rendering ``template``."""


@hookspec
def register_commands(cli: "click.Group") -> None:
    """Add click commands or groups to the ``opportuno`` command line group ``cli``."""


# --- Pipelines ------------------------------------------------------------------------------


@hookspec
def register_pipeline_templates() -> list:
    """Return a list of pipeline template dicts: key, name, stages (name, probability,
    rotting_days, kind, requirements)."""


@hookspec
def opportunity_stage_changing(
    opportunity: "Opportunity", from_stage: "Stage", to_stage: "Stage", user: "User"
) -> list:
    """Return the problems that block the move; empty if none.

    A problem is a human-readable string, or a dict ``{"message": ..., "field": ...}`` when
    filling in an opportunity field (``amount``, ``close_date``...) would solve it: the board
    then offers those fields in a dialog and completes the move.
    """


@hookspec
def opportunity_stage_changed(
    opportunity: "Opportunity", from_stage: "Stage", to_stage: "Stage", user: "User"
) -> None:
    """Notification: the deal moved from ``from_stage`` to ``to_stage`` (already flushed)."""


@hookspec
def opportunity_closed(opportunity: "Opportunity", won: bool, user: "User") -> None:
    """Notification: the deal was closed won (``won=True``) or lost."""


@hookspec
def opportunity_saved(
    opportunity: "Opportunity", changes: dict, user: "User | None", created: bool
) -> None:
    """Notification: the deal was created or updated; ``changes`` maps field -> (old, new)."""


@hookspec
def contact_saved(contact: "Contact", changes: dict, user: "User | None") -> None:
    """Notification: a contact was updated; ``changes`` maps field -> (old, new).

    Called for every installed plugin, before the caller commits (what an implementation
    changes is committed with the contact). The core keeps deal owners in sync here.
    """


# --- Opportunity page and board -------------------------------------------------------------


@hookspec
def opportunity_actions(opportunity: "Opportunity", user: "User") -> list[dict]:
    """Return menu items for the deal's actions menu: dicts with ``label`` and ``href``
    (and optionally ``hx_get``/``hx_target`` to open a dialog)."""


@hookspec
def opportunity_panels(opportunity: "Opportunity", user: "User") -> list[dict]:
    """Return panels for the opportunity page: dicts with ``name`` (the ``data-panel``
    marker), ``title`` and ``html`` (markup already rendered by the plugin)."""


@hookspec
def account_panels(account: "Account", user: "User") -> list[dict]:
    """Return panels for the account page: dicts with ``name`` (the ``data-panel`` marker),
    ``title`` and ``html``. Called for every plugin enabled in any business line."""


@hookspec
def admin_actions(user: "User") -> list[dict]:
    """Return links for the admin page: dicts with ``label``, ``href`` and an optional
    ``description``. Called for every installed plugin."""


@hookspec
def board_card_badges(opportunity: "Opportunity") -> list[dict]:
    """Return small badges for the deal's card: dicts with ``label`` and optional ``style``."""


# --- Amount ---------------------------------------------------------------------------------


@hookspec(firstresult=True)
def opportunity_amount(opportunity: "Opportunity") -> Any:
    """Return the amount the deal should take when won (e.g. the accepted quote's total),
    or None to keep the core rule. Stops at first non-None result."""


# --- Quotes ---------------------------------------------------------------------------------


@hookspec
def register_quote_providers() -> list:
    """Return a list of quote provider classes or instances (see plugins/erp_quotes)."""


@hookspec
def quote_status_changed(quote, old: str, new: str) -> None:
    """Notification: an ERP quote changed status from ``old`` to ``new``."""


# --- Duplication ----------------------------------------------------------------------------


@hookspec
def register_opportunity_cloners() -> list:
    """Return a list of cloner classes, each copying one part of a deal into its duplicate.

    A cloner (see ``plugins.renewals.cloners.OpportunityCloner``) has a ``name``, a ``label``
    for the Duplicate dialog, ``default_for`` (the kinds it is ticked for), ``requires``
    (names of cloners that must run first), an optional ``count(source)`` and
    ``run(source, new, shared)`` that copies its part; what it returns is kept in
    ``shared[name]`` for later cloners. Only cloners of plugins enabled in the source's
    business line are offered.
    """


@hookspec
def opportunity_duplicated(
    source: "Opportunity", new: "Opportunity", kind: str, user: "User | None"
) -> None:
    """Notification: ``new`` was created from ``source`` as a ``kind`` (renewal, upsell, copy)."""


# --- Reports --------------------------------------------------------------------------------


@hookspec
def register_reports() -> list:
    """Return a list of ``webapp.reports.registry.ReportSpec``: reports added to the Reports
    menu at ``/reports/<key>``, each with a ``build(user, filters)`` that returns a
    ``webapp.reports.report.Report`` computed with SQL aggregates. Asked of the plugins
    enabled in some business line."""


@hookspec
def report_accepted_amounts() -> Any:
    """Return a SQL selectable of ``(opportunity_id, amount)`` rows, at most one per deal:
    the amount the customer accepted (e.g. the accepted quote's total), or None. The
    estimate accuracy report LEFT JOINs it to the won deals (in SQL, whatever their number);
    when several plugins answer for one deal the highest amount counts. Asked of the plugins
    enabled in some business line."""


# --- Demo data ------------------------------------------------------------------------------


@hookspec
def demo_seeded(seed: int) -> None:
    """Notification: the demo seed (``webapp.demo.seed``) has written its deals; a plugin adds
    its own demo rows for them through its own models (e.g. accepted quotes for won deals),
    deterministically from ``seed``, in the business lines where it is enabled. The seed
    commits after the call. Asked of the plugins enabled in some business line."""
