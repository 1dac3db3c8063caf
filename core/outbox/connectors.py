"""Finding the EHR connectors of the enabled plugins by name, with the region their data ends up in.

Connectors are asked for once per app and kept on its state: a connector may hold an HTTP connection pool.
A connector's own ``region`` attribute (set from its plugin's settings, e.g. the generic webhook connector)
takes precedence over its plugin's declared region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from candor.interfaces import EhrConnector
from candor.plugins import PluginError

if TYPE_CHECKING:
    from candor.state import CandorState

_CACHE_KEY = "candor.outbox.connectors"


@dataclass(frozen=True)
class RegisteredConnector:
    plugin: str
    connector: EhrConnector
    region: str | None

    @property
    def name(self) -> str:
        return self.connector.name


def ehr_connectors(state: CandorState) -> dict[str, RegisteredConnector]:
    """Every connector offered by an enabled plugin, by connector name (names are unique across plugins)."""
    cached: dict[str, RegisteredConnector] | None = state.extras.get(_CACHE_KEY)
    if cached is not None:
        return cached
    found: dict[str, RegisteredConnector] = {}
    for plugin, offered in state.plugins.call_each("candor_register_ehr_connectors"):
        for connector in offered:
            if not isinstance(connector, EhrConnector):
                raise PluginError(f"Plugin {plugin!r} offered {type(connector).__name__}, which is not an "
                                  "EhrConnector (name, pull_jobs, pull_applicants, push_event).")
            if connector.name in found:
                raise PluginError(f"Plugins {found[connector.name].plugin!r} and {plugin!r} both offer "
                                  f"the EHR connector {connector.name!r}; rename one.")
            region = getattr(connector, "region", None) or state.plugins.declaration(plugin).region
            found[connector.name] = RegisteredConnector(plugin, connector, region or None)
    state.extras[_CACHE_KEY] = found
    return found


def connector_named(state: CandorState, name: str) -> RegisteredConnector:
    try:
        return ehr_connectors(state)[name]
    except KeyError:
        raise LookupError(f"No enabled plugin offers an EHR connector named {name!r}; enabled: "
                          f"{', '.join(sorted(ehr_connectors(state))) or 'none'}.") from None
