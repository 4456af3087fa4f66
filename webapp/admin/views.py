"""Admin pages: the business lines x plugins matrix, owner settings, plugin tools."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import permissions
from ..errors import ValidationError
from ..extensions import htmx
from ..owners import services as owners
from ..plugins import flatten, registry
from . import services

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    """Admins: plugins, owners and tools; managers: the tools for their business lines."""
    user = current_user
    permissions.require(permissions.can_open_settings(user), _("Only admins and managers."))
    admin = permissions.is_admin(user)
    return render_template(
        "admin/index.html",
        matrix=services.plugin_matrix(user) if admin else None,
        owner_sync=owners.sync_settings() if admin else None,
        lines=services.business_lines(user) if admin else None,
        visibility_labels=services.VISIBILITY_LABELS,
        tools=flatten(registry().hook("admin_actions")(user=user)),
    )


@bp.get("/plugins/<int:business_line_id>/<plugin>/off")
def confirm_plugin_off(business_line_id: int, plugin: str):
    """Ask before turning a plugin off: a dialog (htmx) or a page."""
    info, line = services.plugin_in_line(current_user, business_line_id, plugin)
    template = "admin/_plugin_off_dialog.html" if htmx else "admin/plugin_off.html"
    return render_template(template, plugin=info, line=line)


@bp.post("/plugins/<int:business_line_id>/<plugin>")
def toggle_plugin(business_line_id: int, plugin: str):
    """Turn a plugin on (``enabled=1``) or off for a business line; htmx gets the cell, the
    message out of band and the dialog closed; without JavaScript, the admin page and a flash."""
    info, line = services.plugin_in_line(current_user, business_line_id, plugin)
    enabled = services.set_plugin_enabled(
        current_user, business_line_id, plugin, request.form.get("enabled") == "1"
    )
    message = (
        _("%(plugin)s is now on in %(line)s.", plugin=info.title, line=line.name)
        if enabled
        else _("%(plugin)s is now off in %(line)s.", plugin=info.title, line=line.name)
    )
    if htmx:
        cell = render_template(
            "admin/_plugin_cell.html",
            business_line_id=business_line_id,
            plugin=plugin,
            title=info.title,
            enabled=enabled,
            line_name=line.name,
        )
        note = render_template("admin/_plugin_message.html", message=message)
        return cell + note, 200, {"HX-Trigger": "closeDialog"}
    flash(message, "success")
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
    flash(_("Owner settings saved."), "success")
    return redirect(url_for("admin.index"))


@bp.post("/visibility")
def visibility():
    """Save who sees which deals in each business line (form fields ``line-<id>``)."""
    chosen = {
        int(key[5:]): value
        for key, value in request.form.items()
        if key.startswith("line-") and key[5:].isdigit() and len(key) < 15
    }
    error = None
    try:
        lines = services.save_visibilities(current_user, chosen)
    except ValidationError as exc:
        lines, error = services.business_lines(current_user), exc.message
    if htmx:
        return render_template(
            "admin/_visibility.html",
            lines=lines,
            visibility_labels=services.VISIBILITY_LABELS,
            saved=error is None,
            error=error,
        )
    if error:
        flash(error, "danger")
    else:
        flash(_("Deal visibility saved."), "success")
    return redirect(url_for("admin.index") + "#visibility")
