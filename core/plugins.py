"""Building the plugin manager: discovery, enabling, loading, validation and per-plugin hook calls.

Owns the one place where plugins enter the process. Installed is not enabled: built-in plugins load unless
disabled, third-party ones only when named in ``plugins_enable``. Every problem stops startup with the plugin
named. It must not touch the database or change the schema: migrations run only through ``candor db upgrade``.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy
from pydantic import TypeAdapter, ValidationError

from candor import hookspecs
from candor.config import Settings
from candor.declarations import DeclarationError, PluginDeclaration, validate_declaration

ENTRY_POINT_GROUP = "candor.plugins"
BUILTIN_DISTRIBUTION = "candor"
HOOK_PREFIX = "candor_"
#: Built-in plugins that, like third-party ones, load only when named in ``plugins_enable``: those whose
#: capability some jurisdictions prohibit (``emotion_inference``), so that enabling them is a deliberate act.
BUILTIN_OFF_BY_DEFAULT = frozenset({"expression_cues"})


class PluginError(Exception):
    """A plugin cannot be loaded; the message names it and says what to do."""


@dataclass(frozen=True)
class PluginInfo:
    """A plugin found on this installation, loaded or not."""

    name: str
    distribution: str
    version: str
    builtin: bool
    enabled: bool
    source: str  # "entry point" or "module"
    declaration: PluginDeclaration | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_public_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "builtin": self.builtin,
            "enabled": self.enabled,
            "source": self.source,
        }
        if self.declaration is not None:
            data.update(self.declaration.to_public_dict())
            data["name"] = self.name
        return data


class _CandorPluginManager(pluggy.PluginManager):
    """Treats every ``candor_*`` function of a plugin as a hook implementation, marked or not.

    As pytest does for ``pytest_*``: a misspelled hook is then an unknown hook, which ``check_pending`` reports,
    instead of a function nobody ever calls.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith(HOOK_PREFIX) and inspect.isroutine(getattr(plugin, name, None)):
            return {"wrapper": False, "hookwrapper": False, "optionalhook": False,
                    "tryfirst": False, "trylast": False, "specname": None}
        return opts


class PluginRegistry:
    """The loaded plugins, their declarations and settings, and per-plugin hook calls."""

    def __init__(self, manager: pluggy.PluginManager, plugins: Sequence[PluginInfo]) -> None:
        self.manager = manager
        self._plugins = {info.name: info for info in plugins}

    @property
    def hook(self) -> pluggy.HookRelay:
        return self.manager.hook

    def all(self) -> list[PluginInfo]:
        """Every plugin found, enabled first, by name."""
        return sorted(self._plugins.values(), key=lambda p: (not p.enabled, p.name))

    def enabled(self) -> list[PluginInfo]:
        return [info for info in self.all() if info.enabled]

    def get(self, name: str) -> PluginInfo:
        return self._plugins[name]

    def declaration(self, name: str) -> PluginDeclaration:
        info = self._plugins[name]
        if info.declaration is None:
            raise KeyError(f"plugin {name!r} is not enabled")
        return info.declaration

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call a hook on each enabled plugin that implements it, in load order, passing its own settings.

        :returns: ``(plugin name, result)`` pairs, skipping ``None`` results.
        """
        caller = getattr(self.manager.hook, hook_name)
        results: list[tuple[str, Any]] = []
        for impl in reversed(caller.get_hookimpls()):  # pluggy lists the last registered first
            name = impl.plugin_name
            arguments = dict(kwargs)
            if "settings" in impl.argnames:
                arguments["settings"] = self._plugins[name].settings
            try:
                result = impl.function(**{arg: arguments[arg] for arg in impl.argnames})
            except KeyError as exc:
                raise PluginError(f"Plugin {name!r}: hook {hook_name} asks for unknown argument {exc}") from None
            if result is not None:
                results.append((name, result))
        return results


def build_plugin_registry(settings: Settings, extra_plugins: Iterable[object] = ()) -> PluginRegistry:
    """Discover, enable, load and validate plugins; raise ``PluginError`` naming the culprit on any problem."""
    manager = _CandorPluginManager("candor")
    manager.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []

    discovered = _discover_entry_points()
    installed_names = set(discovered)
    for wanted in settings.plugins_enable:
        if wanted not in installed_names:
            raise PluginError(
                f"Plugin {wanted!r} is named in plugins_enable but is not installed. "
                f"Installed: {', '.join(sorted(installed_names)) or 'none'}."
            )

    for name, entry_point in sorted(discovered.items()):
        dist = entry_point.dist
        dist_name = dist.name if dist is not None else "unknown"
        version = dist.version if dist is not None else "unknown"
        builtin = dist_name == BUILTIN_DISTRIBUTION
        on_by_default = builtin and name not in BUILTIN_OFF_BY_DEFAULT
        enabled = (on_by_default or name in settings.plugins_enable) and name not in settings.plugins_disable
        if not enabled:
            infos.append(PluginInfo(name, dist_name, version, builtin, False, "entry point"))
            continue
        try:
            module = entry_point.load()
        except Exception as exc:
            raise PluginError(
                f"Plugin {name!r} ({dist_name} {version}) failed to import: {type(exc).__name__}: {exc}"
            ) from exc
        infos.append(_register(manager, settings, module, name, dist_name, version, builtin, "entry point"))

    for module_name in settings.plugin_modules:
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise PluginError(f"Plugin module {module_name!r} failed to import: {type(exc).__name__}: {exc}") from exc
        info = _register(manager, settings, module, None, module_name, "unpackaged", False, "module")
        if info.name in settings.plugins_disable:
            manager.unregister(name=info.name)
            info = PluginInfo(info.name, module_name, "unpackaged", False, False, "module")
        infos.append(info)

    for plugin in extra_plugins:
        infos.append(_register(manager, settings, plugin, None, "in-process", "unpackaged", False, "module"))

    _check_hooks(manager, infos)
    return PluginRegistry(manager, infos)


def _discover_entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        previous = found.get(entry_point.name)
        if previous is not None and previous.value != entry_point.value:
            first = previous.dist.name if previous.dist else previous.value
            second = entry_point.dist.name if entry_point.dist else entry_point.value
            raise PluginError(
                f"Two installed plugins are named {entry_point.name!r}: from {first} and from {second}. "
                "Uninstall one of them."
            )
        found[entry_point.name] = entry_point
    return found


def _register(
    manager: pluggy.PluginManager,
    settings: Settings,
    plugin: ModuleType | object,
    expected_name: str | None,
    distribution: str,
    version: str,
    builtin: bool,
    source: str,
) -> PluginInfo:
    label = expected_name or distribution
    declare = getattr(plugin, "candor_declare", None)
    if declare is None or not callable(declare):
        raise PluginError(f"Plugin {label!r} has no candor_declare() hook; every plugin must declare itself.")
    try:
        declaration = validate_declaration(declare(), expected_name=expected_name)
    except DeclarationError as exc:
        raise PluginError(f"Plugin {label!r} has an invalid declaration: {exc}") from None
    name = declaration.name
    if manager.has_plugin(name):
        raise PluginError(f"Two plugins are named {name!r} (the second from {distribution}); rename one.")
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"Plugin {name!r} implements a hook wrongly: {exc}") from None
    resolved = _resolve_settings(declaration, settings.plugin_settings.get(name, {}))
    return PluginInfo(name, distribution, version, builtin, True, source, declaration, resolved)


def _resolve_settings(declaration: PluginDeclaration, configured: Mapping[str, Any]) -> dict[str, Any]:
    known = {setting.name: setting for setting in declaration.settings}
    unknown = sorted(set(configured) - set(known))
    if unknown:
        raise PluginError(
            f"Plugin {declaration.name!r} has no setting {', '.join(map(repr, unknown))}; "
            f"its settings are: {', '.join(sorted(known)) or 'none'}."
        )
    resolved: dict[str, Any] = {}
    for name, setting in known.items():
        if name not in configured:
            resolved[name] = setting.default
            continue
        if setting.default is None:
            resolved[name] = configured[name]
            continue
        try:  # coerce to the default's type, so "30" from the environment becomes 30
            resolved[name] = TypeAdapter(type(setting.default)).validate_python(configured[name])
        except ValidationError:
            raise PluginError(
                f"Plugin {declaration.name!r} setting {name!r} must be a {type(setting.default).__name__}; "
                f"got {configured[name]!r}."
            ) from None
    return resolved


def _check_hooks(manager: pluggy.PluginManager, infos: Sequence[PluginInfo]) -> None:
    """Fail on hooks no spec knows, naming the plugin and suggesting the hook it probably meant."""
    known = [name for name in dir(hookspecs) if name.startswith(HOOK_PREFIX)]
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin_name = manager.get_name(exc.plugin) or "unknown"
        unknown = [
            name for name in dir(exc.plugin)
            if name.startswith(HOOK_PREFIX) and name not in known and callable(getattr(exc.plugin, name))
        ]
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise PluginError(
            f"Plugin {plugin_name!r} implements {', '.join(hints) or 'a hook'} which is not a Candor hook. "
            "See docs/plugins.md for the hooks."
        ) from None
