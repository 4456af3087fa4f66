"""The plugin manager: core defaults, bundled plugins and entry-point plugins, per business line.

Core default implementations are always on. Every other plugin is off until an admin enables
it for a business line; hooks about an opportunity then call only the plugins enabled for the
opportunity's business line (pluggy's ``subset_hook_caller``).
"""

import importlib
import pkgutil
from collections.abc import Iterable

import pluggy
from flask import current_app, g
from sqlalchemy import select

from . import hookspecs
from .extensions import db

EXTENSION_KEY = "opportuno.plugins"
CORE_PLUGINS = ("webapp.default_hooks",)


class PluginRegistry:
    """The app's plugin manager plus the per-business-line view of it."""

    def __init__(self, pm: pluggy.PluginManager, core: Iterable[str]):
        self.pm = pm
        self.core = set(core)

    @property
    def optional(self) -> list[str]:
        """Names of the plugins an admin may enable per business line."""
        return sorted(name for name, _ in self.pm.list_name_plugin() if name not in self.core)

    def enabled_for(self, business_line_id: int | None) -> set[str]:
        """Optional plugins enabled for a business line (cached for the request)."""
        from .models import PluginEnablement

        cache = g.setdefault("_plugins_enabled", {})
        if business_line_id not in cache:
            rows = db.session.scalars(
                select(PluginEnablement.plugin).where(
                    PluginEnablement.business_line_id == business_line_id,
                    PluginEnablement.enabled.is_(True),
                )
            )
            cache[business_line_id] = set(rows) & set(self.optional)
        return cache[business_line_id]

    def hook(self, name: str, business_line_id: int | None = None):
        """The hook caller for ``name``; with a business line, only its enabled plugins."""
        if business_line_id is None:
            return getattr(self.pm.hook, name)
        disabled = set(self.optional) - self.enabled_for(business_line_id)
        return self.pm.subset_hook_caller(
            name, remove_plugins=[self.pm.get_plugin(n) for n in disabled]
        )


def build_plugin_manager() -> PluginRegistry:
    """Core defaults, bundled ``plugins/*`` packages, then the ``opportuno`` entry points."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in CORE_PLUGINS:
        pm.register(importlib.import_module(name), name=name.rsplit(".", 1)[-1])
    import plugins as bundled

    for info in pkgutil.iter_modules(bundled.__path__):
        if info.ispkg and not info.name.startswith("_"):
            pm.register(importlib.import_module(f"plugins.{info.name}"), name=info.name)
    pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    pm.check_pending()
    return PluginRegistry(pm, core=(n.rsplit(".", 1)[-1] for n in CORE_PLUGINS))


def registry() -> PluginRegistry:
    return current_app.extensions[EXTENSION_KEY]


def hook(name: str, opportunity=None):
    """Hook caller for ``name``, limited to the opportunity's business line when given."""
    bl = getattr(opportunity, "business_line_id", None) if opportunity is not None else None
    return registry().hook(name, bl)


def flatten(results) -> list:
    """Join the lists that ``register_*``/``*_actions`` hooks return."""
    return [item for result in results if result for item in result]
