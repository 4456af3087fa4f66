"""Admin pages: the business lines x plugins matrix, owner settings, plugin tools."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import permissions
from ..extensions import htmx
from ..owners import services as owners
from ..plugins import flatten, registry
from . import services

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    """Admins: plugins, owners and tools; managers: the tools for their business lines."""
    user = current_user
    permissions.require(permissions.can_open_settings(user), "Only admins and managers.")
    admin = permissions.is_admin(user)
    return render_template(
        "admin/index.html",
        matrix=services.plugin_matrix(user) if admin else None,
        owner_sync=owners.sync_settings() if admin else None,
        tools=flatten(registry().hook("admin_actions")(user=user)),
    )


@bp.post("/plugins/<int:business_line_id>/<plugin>")
def toggle_plugin(business_line_id: int, plugin: str):
    """Enable (``enabled=1``) or disable a plugin for a business line; htmx gets the cell."""
    enabled = services.set_plugin_enabled(
        current_user, business_line_id, plugin, request.form.get("enabled") == "1"
    )
    if htmx:
        return render_template(
            "admin/_plugin_cell.html",
            business_line_id=business_line_id,
            plugin=plugin,
            enabled=enabled,
            just_changed=True,
        )
    flash(f"{plugin} {'enabled' if enabled else 'disabled'}.", "success")
    return redirect(url_for("admin.index"))


@bp.post("/owners")
def owner_settings():
    permissions.require_admin(current_user)
    settings = owners.save_sync_settings(
        current_user,
        open_deals=request.form.get("sync_open") == "1",
        closed_deals=request.form.get("sync_closed") == "1",
    )
    if htmx:
        return render_template("admin/_owner_settings.html", owner_sync=settings, saved=True)
    flash("Owner settings saved.", "success")
    return redirect(url_for("admin.index"))
