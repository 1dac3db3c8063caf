"""The default key provider: key-encryption keys, the blind-index key and per-subject secrets in files.

Shipped as a built-in plugin of the same hook a KMS plugin implements. The key ring is created on first use
(``candor init`` and the first start) in ``<data_dir>/keys`` or the configured folder, owner-only. Put that
folder on a volume that is backed up apart from the database and media (see ``ring.py``).
"""

from __future__ import annotations

import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from candor import PluginDeclaration, Setting, hookimpl
from candor.interfaces import CheckResult, CheckStatus, DoctorCheck, KeyProvider
from candor_plugins.file_keyring.ring import RING_NAME, FileKeyRing, KeyRingError


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="file_keyring",
        title="Key ring file",
        description="Keeps the keys that protect personal data in owner-only files on this server.",
        capabilities=frozenset({"key_provider", "diagnostics"}),
        settings=(Setting("folder", "", "Folder for the key ring and subject secrets; empty means "
                          "<data_dir>/keys. Back it up apart from the database."),),
    )


def key_folder(settings: Mapping[str, Any], data_dir: Path) -> Path:
    return Path(settings["folder"]).expanduser() if settings["folder"] else data_dir / "keys"


@hookimpl
def candor_register_key_providers(settings: Mapping[str, Any], data_dir: Path) -> Sequence[KeyProvider]:
    return [FileKeyRing(key_folder(settings, data_dir))]


@hookimpl
def candor_startup(app: Any) -> None:
    """Create the key ring when the installation first starts (``candor init``), not at first use."""
    from candor.state import get_state
    from candor.vault.keys import get_vault

    get_vault(get_state(app))


@hookimpl
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    return [DoctorCheck("key_ring", lambda app: check_key_ring(app, settings), readiness=True)]


def check_key_ring(app: Any, settings: Mapping[str, Any]) -> CheckResult:
    """The ring file exists, only its owner can read it, and every key in it wraps and unwraps a probe."""
    from candor.state import get_state
    from candor.vault.keys import get_vault

    state = get_state(app)
    path = key_folder(settings, state.settings.data_dir) / RING_NAME
    if not path.is_file():
        return CheckResult(CheckStatus.FAILED, f"no key ring at {path}",
                           "Run: candor init (new installation) or restore the key ring from its backup.")
    for target in (path, path.parent):
        mode = stat.S_IMODE(target.stat().st_mode)
        if mode & 0o077:
            return CheckResult(CheckStatus.FAILED, f"{target} is open to other users (mode {mode:o})",
                               f"Run: chmod {'600' if target == path else '700'} {target}")
    vault = get_vault(state)
    if not isinstance(vault.provider, FileKeyRing):
        return CheckResult(CheckStatus.OK, f"key provider in use is {vault.provider.name!r}, not this ring")
    try:
        keys = vault.provider.probe()
    except KeyRingError as exc:
        return CheckResult(CheckStatus.FAILED, str(exc), "Restore the key ring from its backup.")
    return CheckResult(CheckStatus.OK, f"{path} is private; {keys} key(s) unwrap a probe")
