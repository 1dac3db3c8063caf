"""Candor: a self-hosted platform for online AI job interviews with compliance in the core.

The public facade for plugin authors is this module: ``hookimpl`` to mark hook implementations,
``PluginDeclaration``/``Setting``/``Purpose``/``DataCategory`` to declare a plugin. The hooks themselves are
documented in ``candor.hookspecs`` and ``docs/plugins.md``.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import pluggy

from candor.declarations import DataCategory, PluginDeclaration, Purpose, Setting

hookimpl = pluggy.HookimplMarker("candor")

try:
    __version__ = version("candor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["DataCategory", "PluginDeclaration", "Purpose", "Setting", "__version__", "hookimpl"]
