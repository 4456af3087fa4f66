"""Which plugins are enabled in which business line, and who sees which of its deals;
changed only by admins."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import permissions
from ..audit import services as audit
from ..errors import NotFound, ValidationError
from ..extensions import db
from ..models import VISIBILITIES, BusinessLine, PluginEnablement, User
from ..plugins import PluginInfo, registry
from ..transactions import transactional


@dataclass
class PluginMatrix:
    """Business lines x optional plugins, with the enabled pairs."""

    lines: list[BusinessLine]
    plugins: list[PluginInfo]
    enabled: set[tuple[int, str]]

    def is_enabled(self, business_line_id: int, plugin: str) -> bool:
        return (business_line_id, plugin) in self.enabled


def plugin_matrix(user: User | None = None) -> PluginMatrix:
    """The matrix for the admin page (``user`` must be an admin) or the CLI (no user)."""
    if user is not None:
        permissions.require_admin(user)
    plugins = registry().info()
    names = {p.name for p in plugins}
    rows = db.session.execute(
        select(PluginEnablement.business_line_id, PluginEnablement.plugin).where(
            PluginEnablement.enabled.is_(True)
        )
    ).all()
    return PluginMatrix(
        lines=list(db.session.scalars(select(BusinessLine).order_by(BusinessLine.name))),
        plugins=plugins,
        enabled={(bl, name) for bl, name in rows if name in names},
    )


def plugin_in_line(user: User, business_line_id: int, plugin: str):
    """(PluginInfo, BusinessLine) of an optional plugin and a business line (admins only)."""
    permissions.require_admin(user)
    info = next((p for p in registry().info() if p.name == plugin), None)
    if info is None:
        raise NotFound(_("There is no plugin named %(name)r.", name=plugin))
    line = db.session.get(BusinessLine, business_line_id)
    if line is None:
        raise NotFound(_("This business line does not exist."))
    return info, line


@transactional
def set_plugin_enabled(
    user: User | None, business_line_id: int, plugin: str, enabled: bool
) -> bool:
    """Enable or disable ``plugin`` for a business line (admins; ``None`` = the system, for
    the CLI and the demo seed). Returns the new state."""
    if user is not None:
        permissions.require_admin(user)
    if plugin not in registry().optional:
        raise NotFound(_("There is no plugin named %(name)r.", name=plugin))
    if db.session.get(BusinessLine, business_line_id) is None:
        raise NotFound(_("This business line does not exist."))
    row = db.session.get(PluginEnablement, (business_line_id, plugin))
    if row is None:
        row = PluginEnablement(business_line_id=business_line_id, plugin=plugin)
        db.session.add(row)
    if row.enabled != bool(enabled):
        line = db.session.get(BusinessLine, business_line_id)
        audit.record(
            "plugin_enabled" if enabled else "plugin_disabled",
            user=user,
            email=None if user else "(command line)",
            detail=f"{plugin} in {line.slug}",
        )
    row.enabled = bool(enabled)
    registry().forget_enablement()
    return row.enabled


VISIBILITY_LABELS = {
    "all": _l("Everyone in the line sees all its deals"),
    "team": _l("A team sees the team's deals"),
    "own": _l("Each person sees only their own deals"),
}


def business_lines(user: User) -> list[BusinessLine]:
    """Every business line, by name (admins only)."""
    permissions.require_admin(user)
    return list(db.session.scalars(select(BusinessLine).order_by(BusinessLine.name)))


@transactional
def save_visibilities(user: User, chosen: dict[int, str]) -> list[BusinessLine]:
    """Set the deal visibility rule of business lines (``{line id: "all"|"team"|"own"}``;
    lines left out keep theirs); admins only. Returns every line."""
    permissions.require_admin(user)
    lines = business_lines(user)
    if any(rule not in VISIBILITIES for rule in chosen.values()):
        raise ValidationError({"visibility": _l("Choose one of the listed rules.")})
    for line in lines:
        rule = chosen.get(line.id, line.visibility)
        if rule != line.visibility:
            audit.record(
                "visibility_changed", user=user, detail=f"{line.slug}: {line.visibility} -> {rule}"
            )
            line.visibility = rule
    return lines
