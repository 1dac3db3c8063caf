"""Plugin secrets set in the admin pages: a private file in the data folder and applying a change at once.

Owns ``<data_dir>/plugin-secrets.json`` (``{plugin: {setting: value}}``, mode 0600, written whole and atomically
under a lock so two processes never interleave), the settings source that merges it into ``plugin_settings``,
and updating a running app's resolved plugin settings after a change. Precedence of a plugin setting, highest
first: values passed to ``create_app`` (tests), ``CANDOR_PLUGIN_SETTINGS__<PLUGIN>__<SETTING>``, this file, the
``CANDOR_CONFIG`` file, the plugin's declared default. The file is the operator's latest word from the admin
pages, so it wins over the config file; the environment, set by whoever deploys, still wins over it.

Only settings a plugin declares as secret may be stored. This module must never log, return to a page or put
in an error message a stored value.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

if TYPE_CHECKING:
    from candor.declarations import PluginDeclaration, Setting
    from candor.state import CandorState

FILE_NAME = "plugin-secrets.json"
_LOCK_NAME = "plugin-secrets.lock"
_ENV_PREFIX = "CANDOR_PLUGIN_SETTINGS__"
#: The outbox keeps the EHR connectors it built (they may hold connection pools); a secret change drops them
#: so the next delivery builds them again from the new settings.
_CONNECTOR_CACHE_KEYS = ("candor.outbox.connectors",)
#: The hooks that build a connector plugin's connectors from its settings: asked before a value is stored.
CONNECTOR_HOOKS = ("candor_register_ehr_connectors", "candor_register_attendance_adapters")
#: Hooks called only at start-up that may also refuse a value (the webhooks plugin parses its inbound secrets
#: when it builds its blueprint): asked too, so a stored value never stops the next start. Building a blueprint
#: object registers nothing.
_START_UP_HOOKS = ("candor_register_blueprints",)


class SecretStoreError(ValueError):
    """A secret cannot be stored or the store cannot be read; the message says why and what to do."""


def store_path(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def read_store(data_dir: Path) -> dict[str, dict[str, str]]:
    """The stored secrets, ``{}`` when the file does not exist."""
    path = store_path(data_dir)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SecretStoreError(f"Cannot read the plugin secrets file {path} ({type(exc).__name__}). Restore it "
                               "from a backup, or delete it and set the secrets again in the admin pages.") from None
    if not isinstance(document, dict) or not all(
        isinstance(values, dict) and all(isinstance(v, str) for v in values.values()) for values in document.values()
    ):
        raise SecretStoreError(f"The plugin secrets file {path} is not a JSON object of "
                               "{plugin: {setting: text}}. Restore it from a backup, or delete it and set the "
                               "secrets again in the admin pages.")
    return document


def secret_setting(declaration: PluginDeclaration, name: str) -> Setting:
    """The declared secret setting ``name``; anything else is refused, naming what may be stored."""
    allowed = {setting.name: setting for setting in declaration.settings if setting.secret}
    if name not in allowed:
        raise SecretStoreError(
            f"Plugin {declaration.name!r} has no secret setting {name!r}; only its secret settings can be set "
            f"here: {', '.join(sorted(allowed)) or 'none'}. Set other settings in the configuration file."
        )
    return allowed[name]


def write_secret(data_dir: Path, declaration: PluginDeclaration, name: str, value: str) -> None:
    """Store (or replace) one secret of a plugin."""
    secret_setting(declaration, name)
    if not value:
        raise SecretStoreError("The secret is empty. Type the secret, or use 'remove' to clear it.")
    with _locked(data_dir):
        document = read_store(data_dir)
        document.setdefault(declaration.name, {})[name] = value
        _write(data_dir, document)


def remove_secret(data_dir: Path, declaration: PluginDeclaration, name: str) -> bool:
    """Remove one stored secret; returns whether it was stored."""
    secret_setting(declaration, name)
    with _locked(data_dir):
        document = read_store(data_dir)
        if name not in document.get(declaration.name, {}):
            return False
        del document[declaration.name][name]
        if not document[declaration.name]:
            del document[declaration.name]
        _write(data_dir, document)
        return True


def env_variable(plugin: str, setting: str) -> str:
    return f"{_ENV_PREFIX}{plugin.upper()}__{setting.upper()}"


def set_by_environment(plugin: str, setting: str) -> bool:
    """Whether an environment variable sets this plugin setting (it then wins over the stored secret)."""
    wanted = env_variable(plugin, setting)
    return any(key.upper() == wanted for key in os.environ)  # pydantic-settings matches names case-insensitively


def apply_to_running(state: CandorState, plugin: str, setting: str) -> bool:
    """Give the running app the value a fresh start would give this setting; returns False when the environment
    sets it (nothing changes then).

    The resolved settings dict is updated in place: the plugin registry hands that same dict to every hook
    call, so the next call uses the new value. Objects built from the old value and kept (the outbox's EHR
    connectors) are dropped so they are built again.
    """
    from candor.plugins import _resolve_settings  # the same coercion as at start-up ("30" becomes 30)

    if set_by_environment(plugin, setting):
        return False
    info = state.plugins.get(plugin)
    declaration = state.plugins.declaration(plugin)
    stored = read_store(state.settings.data_dir).get(plugin, {})
    configured: dict[str, Any] = {}
    if setting in stored:
        configured[setting] = stored[setting]
    else:
        from_file = _config_file_settings().get(plugin, {})
        if setting in from_file:
            configured[setting] = from_file[setting]
    resolved = _resolve_settings(declaration, configured)
    info.settings[setting] = resolved[setting]  # type: ignore[index]  # a dict built by _resolve_settings
    for key in _CONNECTOR_CACHE_KEYS:
        state.extras.pop(key, None)
    return True


def connector_plugins(state: CandorState) -> list[str]:
    """Enabled plugins that implement a connector hook, by name."""
    return sorted({impl.plugin_name for hook_name in CONNECTOR_HOOKS
                   for impl in getattr(state.plugins.hook, hook_name).get_hookimpls()})


def build_connectors(state: CandorState, plugin: str, settings: Mapping[str, Any]) -> list[Any]:
    """The connectors (and attendance adapters) one plugin builds from ``settings``; raises what it raises.

    One plugin at a time, so that one plugin's unusable settings do not hide the others on the admin page.
    """
    return _call_own(state, plugin, CONNECTOR_HOOKS, settings)


def _call_own(state: CandorState, plugin: str, hook_names: Iterable[str], settings: Mapping[str, Any]) -> list[Any]:
    built: list[Any] = []
    for hook_name in hook_names:
        for impl in getattr(state.plugins.hook, hook_name).get_hookimpls():
            if impl.plugin_name != plugin or set(impl.argnames) - {"settings"}:
                continue
            built.extend(impl.function(**({"settings": settings} if impl.argnames else {})) or ())
    return built


def reason_without_secrets(exc: BaseException, settings: Mapping[str, Any], secret_names: Iterable[str],
                           *more: Mapping[str, Any]) -> str:
    """The message of what a plugin raised, unless it contains the value of one of its secret settings (in
    ``settings`` or any of ``more``)."""
    reason = str(exc)
    names = list(secret_names)
    values = [str(mapping.get(name) or "") for mapping in (settings, *more) for name in names]
    if not reason or any(value and value in reason for value in values):
        return f"the plugin refused its settings ({type(exc).__name__})"
    return reason


def refusal_by_plugin(state: CandorState, plugin: str, setting: str, value: str) -> str | None:
    """Ask the plugin's connector and start-up hooks to build what they build with the new value; the reason they
    refuse it, or None.

    A value the plugin cannot use (a malformed signing secret) would otherwise break the next call and stop the
    next start. Only refusals the current settings do not already cause count: a plugin that refuses because
    another setting is missing must not block setting this one. The reason never carries a secret value.
    """
    from candor.plugins import PluginError, _resolve_settings

    declaration = state.plugins.declaration(plugin)
    try:
        coerced = _resolve_settings(declaration, {setting: value})[setting]
    except PluginError:
        return f"the value is not a {type(secret_setting(declaration, setting).default).__name__}"
    current = dict(state.plugins.get(plugin).settings)
    trial = {**current, setting: coerced}
    secret_names = [s.name for s in declaration.settings if s.secret]
    before = _refusals(state, plugin, current, secret_names)
    new = [reason for reason in _refusals(state, plugin, trial, secret_names) if reason not in before]
    return "; ".join(reason.rstrip(".") for reason in new) or None


def _refusals(state: CandorState, plugin: str, settings: Mapping[str, Any], secret_names: list[str]) -> list[str]:
    reasons = []
    for hook_name in (*CONNECTOR_HOOKS, *_START_UP_HOOKS):
        try:
            _call_own(state, plugin, (hook_name,), settings)
        except Exception as exc:  # whatever the plugin raises is its refusal
            reasons.append(reason_without_secrets(exc, settings, secret_names, state.plugins.get(plugin).settings))
    return reasons


class PluginSecretsSource(PydanticBaseSettingsSource):
    """Settings source for the stored secrets, placed below the environment and above the config file.

    The data folder is itself a setting: it is taken from the sources above this one (already merged when this
    one runs), else from the config file, else the default.
    """

    def __init__(self, settings_cls: type[BaseSettings], config_file: PydanticBaseSettingsSource | None) -> None:
        super().__init__(settings_cls)
        self._config_file = config_file

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns the whole mapping

    def __call__(self) -> dict[str, Any]:
        data_dir = self.current_state.get("data_dir")
        if data_dir is None and self._config_file is not None:
            data_dir = self._config_file().get("data_dir")
        if data_dir is None:
            data_dir = self.settings_cls.model_fields["data_dir"].default
        stored = read_store(Path(data_dir).expanduser().resolve())
        return {"plugin_settings": stored} if stored else {}


def _config_file_settings() -> dict[str, Any]:
    """``plugin_settings`` of the ``CANDOR_CONFIG`` file, ``{}`` without one."""
    import tomllib

    config_file = os.environ.get("CANDOR_CONFIG")
    if not config_file:
        return {}
    with open(config_file, "rb") as handle:
        value = tomllib.load(handle).get("plugin_settings", {})
    return value if isinstance(value, dict) else {}


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    Path(data_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(Path(data_dir) / _LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write(data_dir: Path, document: dict[str, dict[str, str]]) -> None:
    temp = Path(data_dir) / f".plugin-secrets-{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private from the first byte
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, store_path(data_dir))
