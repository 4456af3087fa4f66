"""The core's own hook implementations, registered like any plugin (always enabled).

The board marks rotting deals itself (``webapp/board/card_html.py``), so the core adds no
card badge.
"""

import click
from flask_babel import gettext as _

from .hookspecs import hookimpl


@hookimpl
def opportunity_saved(opportunity, changes, user, created):
    """Owner sync: the deal's new owner becomes its contact's owner (per the settings)."""
    if created or "owner_id" in changes:
        from .owners.services import opportunity_owner_changed

        opportunity_owner_changed(opportunity, user, created)


@hookimpl
def contact_saved(contact, changes, user):
    """Owner sync: the contact's deals follow its new owner (per the settings)."""
    if "owner_id" in changes or "owner" in changes:
        from .owners.services import contact_owner_changed

        contact_owner_changed(contact, user)


@hookimpl
def register_commands(cli):
    """``plugins list``: installed plugins and the business lines where each is enabled."""

    @cli.group("plugins")
    def plugins_group():
        """Installed plugins."""

    @plugins_group.command("list")
    def list_plugins():
        """Installed plugins and the business lines where each is enabled."""
        from .admin.services import plugin_matrix

        matrix = plugin_matrix()
        if not matrix.plugins:
            click.echo("No plugins installed.")
            return
        width = max(len(p.name) for p in matrix.plugins)
        for plugin in matrix.plugins:
            lines = [bl.name for bl in matrix.lines if matrix.is_enabled(bl.id, plugin.name)]
            origin = plugin.distribution or plugin.source
            click.echo(
                f"{plugin.name:<{width}}  {origin:<22}  "
                f"enabled in: {', '.join(lines) if lines else '(none)'}"
            )

    @plugins_group.command("enable")
    @click.argument("plugin")
    @click.option("--line", "lines", multiple=True, help="Business line slug (default: all).")
    def enable(plugin, lines):
        """Enable PLUGIN in business lines."""
        _set_enabled(plugin, lines, True)

    @plugins_group.command("disable")
    @click.argument("plugin")
    @click.option("--line", "lines", multiple=True, help="Business line slug (default: all).")
    def disable(plugin, lines):
        """Disable PLUGIN in business lines."""
        _set_enabled(plugin, lines, False)


def _set_enabled(plugin: str, slugs: tuple[str, ...], enabled: bool) -> None:
    from sqlalchemy import select

    from .admin.services import set_plugin_enabled
    from .errors import DomainError
    from .extensions import db
    from .models import BusinessLine

    query = select(BusinessLine).order_by(BusinessLine.name)
    if slugs:
        query = query.where(BusinessLine.slug.in_(slugs))
    lines = db.session.scalars(query).all()
    unknown = set(slugs) - {bl.slug for bl in lines}
    if unknown or not lines:
        raise click.ClickException(f"Unknown business line: {', '.join(sorted(unknown)) or '-'}")
    try:
        for line in lines:
            set_plugin_enabled(None, line.id, plugin, enabled)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    state = "enabled" if enabled else "disabled"
    click.echo(f"{plugin} {state} in: {', '.join(bl.name for bl in lines)}")


@hookimpl
def opportunity_actions(opportunity, user):
    """The deal's menus (card and page) offer _("Schedule activity…") to who may edit it."""
    from flask import url_for

    from .permissions import can_edit

    if not can_edit(user, opportunity) or not opportunity.is_open:
        return []
    url = url_for("activities.new", deal=opportunity.id, card=1)
    return [{"label": _("Schedule activity…"), "hx_get": url, "href": url}]


@hookimpl
def admin_actions(user):
    """The activity types picklist, for admins."""
    from flask import url_for

    if user.role != "admin":
        return []
    return [
        {
            "label": _("Activity types"),
            "href": url_for("activities.type_settings"),
            "description": _("Rename, reorder, add or deactivate the types of activities."),
        }
    ]
