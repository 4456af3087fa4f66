"""The plugin manager: core defaults, bundled plugins and entry-point plugins, per business line.

Core default implementations are always on. Every other plugin is off until an admin enables
it for a business line; hooks about an opportunity then call only the plugins enabled for the
opportunity's business line (pluggy's ``subset_hook_caller``).

The manager is built by ``create_app`` and kept in ``app.extensions`` (no module global), so
two apps in one process (tests) each have their own.
"""

import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

import pluggy
from flask import current_app, g, has_request_context, request
from sqlalchemy import select

from . import hookspecs
from .extensions import db

EXTENSION_KEY = "opportuno.plugins"
CORE_PLUGINS = ("webapp.default_hooks",)
_CACHE_KEY = "_opportuno_plugins_enabled"


@dataclass(frozen=True)
class PluginInfo:
    """What the admin page and ``plugins list`` show about an optional plugin."""

    name: str
    title: str  # what people read: "ERP quotes" (the docstring's "Title: ..." or the name)
    source: str  # "bundled", "entry point" or "config"
    description: str
    distribution: str | None  # "opportuno-hello 0.1.0" for entry-point plugins
    hooks: tuple[str, ...]


class PluginRegistry:
    """The app's plugin manager plus the per-business-line view of it."""

    def __init__(self, pm: pluggy.PluginManager, core: Iterable[str], sources: dict[str, str]):
        self.pm = pm
        self.core = frozenset(core)
        self._sources = sources
        self._subset_callers: dict[tuple[str, frozenset], object] = {}

    @property
    def optional(self) -> list[str]:
        """Names of the plugins an admin may enable per business line."""
        return sorted(name for name, _ in self.pm.list_name_plugin() if name not in self.core)

    def info(self) -> list[PluginInfo]:
        """The optional plugins, sorted by name, with their origin and the hooks they implement."""
        dists = {id(plugin): dist for plugin, dist in self.pm.list_plugin_distinfo()}
        infos = []
        for name in self.optional:
            plugin = self.pm.get_plugin(name)
            dist = dists.get(id(plugin))
            title, description = _title_and_description(name, inspect.getdoc(plugin))
            # A plugin may name itself in the reader's language (lazy_gettext strings).
            title = getattr(plugin, "TITLE", None) or title
            description = getattr(plugin, "DESCRIPTION", None) or description
            infos.append(
                PluginInfo(
                    name=name,
                    title=title,
                    source="entry point" if dist else self._sources.get(name, "config"),
                    description=description,
                    distribution=f"{dist.project_name} {dist.version}" if dist else None,
                    hooks=tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ())),
                )
            )
        return infos

    def enabled_for(self, business_line_id: int | None) -> frozenset[str]:
        """Optional plugins enabled for a business line."""
        return self._enabled_lines().get(business_line_id, frozenset())

    def enabled_anywhere(self) -> frozenset[str]:
        """Optional plugins enabled in at least one business line."""
        return frozenset().union(*self._enabled_lines().values())

    def _enabled_lines(self) -> dict[int, frozenset[str]]:
        """The optional plugins enabled in each business line, read in one query and cached
        for the request (a board or a list shows deals of several lines)."""
        from .models import PluginEnablement

        cache = _cache()
        if "lines" not in cache:
            lines: dict[int, set[str]] = {}
            for line, plugin in db.session.execute(
                select(PluginEnablement.business_line_id, PluginEnablement.plugin).where(
                    PluginEnablement.enabled.is_(True)
                )
            ):
                lines.setdefault(line, set()).add(plugin)
            optional = frozenset(self.optional)
            cache["lines"] = {line: frozenset(found) & optional for line, found in lines.items()}
        return cache["lines"]

    @staticmethod
    def forget_enablement() -> None:
        """Drop the cached enablement (after an admin changed it)."""
        _cache().clear()

    def hook(self, name: str, business_line_id: int | None = None, *, any_line: bool = False):
        """The hook caller for ``name``.

        With a business line: core defaults plus the plugins enabled there. With
        ``any_line``: core defaults plus the plugins enabled in some business line. With
        neither: every installed plugin (set-up hooks).
        """
        if business_line_id is None and not any_line:
            return getattr(self.pm.hook, name)
        enabled = self.enabled_anywhere() if any_line else self.enabled_for(business_line_id)
        disabled = frozenset(self.optional) - enabled
        if not disabled:
            return getattr(self.pm.hook, name)
        key = (name, disabled)
        if key not in self._subset_callers:
            self._subset_callers[key] = self.pm.subset_hook_caller(
                name, remove_plugins=[self.pm.get_plugin(n) for n in disabled]
            )
        return self._subset_callers[key]


def _cache() -> dict:
    """Enablement cache: per request (its WSGI environ), else per app context (CLI, tests)."""
    if has_request_context():
        return request.environ.setdefault(_CACHE_KEY, {})
    return g.setdefault(_CACHE_KEY, {})


def _first_paragraph(text: str | None) -> str:
    """The docstring's first paragraph as one line of plain text (RST literals unquoted)."""
    return " ".join((text or "").strip().split("\n\n")[0].replace("``", "").split())


def _title_and_description(name: str, doc: str | None) -> tuple[str, str]:
    """ "ERP quotes: quotes made..." -> ("ERP quotes", "Quotes made..."); a docstring without a
    short "Title:" lead gets a title made of the plugin's name ("hello_world" -> "Hello world")."""
    text = _first_paragraph(doc)
    head, colon, rest = text.partition(": ")
    if colon and 0 < len(head) <= 40 and rest:
        return head, rest[:1].upper() + rest[1:]
    return name.replace("_", " ").capitalize(), text


def _import(spec) -> tuple[str, object]:
    """A plugin given in config: a module name, or an object with a ``name`` attribute."""
    if isinstance(spec, str):
        return spec.rsplit(".", 1)[-1], importlib.import_module(spec)
    name = getattr(spec, "name", None) or getattr(spec, "__name__", None)
    if not name:
        raise ValueError(f"Plugin {spec!r} needs a name")
    return name.rsplit(".", 1)[-1], spec


def build_plugin_manager(extra: Iterable = ()) -> PluginRegistry:
    """Core defaults, bundled ``plugins/*`` packages, ``extra`` plugins (the app config's
    ``OPPORTUNO_PLUGINS``: module names or objects), then the ``opportuno`` entry points.

    ``check_pending`` makes a misspelt hook implementation fail at start-up.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    sources: dict[str, str] = {}
    for name in CORE_PLUGINS:
        pm.register(importlib.import_module(name), name=name.rsplit(".", 1)[-1])
    for name, module in _bundled():
        pm.register(module, name=name)
        sources[name] = "bundled"
    for spec in extra:
        name, plugin = _import(spec)
        pm.register(plugin, name=name)
        sources[name] = "config"
    pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    pm.check_pending()
    return PluginRegistry(pm, core=(n.rsplit(".", 1)[-1] for n in CORE_PLUGINS), sources=sources)


def _bundled() -> list[tuple[str, ModuleType]]:
    import plugins as bundled

    return [
        (info.name, importlib.import_module(f"plugins.{info.name}"))
        for info in pkgutil.iter_modules(bundled.__path__)
        if info.ispkg and not info.name.startswith("_")
    ]


def registry() -> PluginRegistry:
    """The current app's plugin registry."""
    return current_app.extensions[EXTENSION_KEY]


def hook(name: str, opportunity=None, *, business_line_id: int | None = None):
    """Hook caller for ``name``, limited to the business line of ``opportunity`` (or the
    ``business_line_id`` given); every installed plugin when neither is given."""
    if opportunity is not None:
        business_line_id = opportunity.business_line_id
    return registry().hook(name, business_line_id)


def is_enabled(plugin: str, business_line_id: int) -> bool:
    """Whether ``plugin`` is enabled for the business line (core defaults always are)."""
    reg = registry()
    return plugin in reg.core or plugin in reg.enabled_for(business_line_id)


def flatten(results) -> list:
    """Join the lists that ``register_*``/``*_actions`` hooks return."""
    return [item for result in results if result for item in result]
