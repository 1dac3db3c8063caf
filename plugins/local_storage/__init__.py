"""Local file storage: blobs kept under ``<data_dir>/media`` on this machine.

It stores what the core hands it, which the vault has already encrypted; it never sees plaintext media.
Keys are checked so that no key can name a path outside the folder.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from candor import PluginDeclaration, Setting, hookimpl
from candor.interfaces import CheckResult, CheckStatus, DoctorCheck, StorageBackend

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}){0,5}$")


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="local_storage",
        title="Local encrypted file storage",
        description="Keeps encrypted media files in a folder on this server.",
        capabilities=frozenset({"storage", "diagnostics"}),
        settings=(Setting("folder", "", "Folder for media; empty means <data_dir>/media."),),
    )


class LocalStorage:
    """A folder of files. Writes go to a temporary file renamed into place, so a crash leaves no half file."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, key: str) -> Path:
        if not KEY_PATTERN.match(key) or ".." in key:
            raise ValueError("Storage keys are short relative names of letters, digits, '.', '_', '-' and '/'.")
        return self.root / key

    def open_write(self, key: str) -> IO[bytes]:
        target = self.path_for(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return _AtomicFile(target)

    def open_read(self, key: str) -> IO[bytes]:
        return self.path_for(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)


class _AtomicFile(IO[bytes]):
    def __init__(self, target: Path) -> None:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        self._file = os.fdopen(fd, "wb")
        self._temp = Path(temp)
        self._target = target

    def write(self, data: Any) -> int:
        return self._file.write(data)

    def close(self) -> None:
        if self._file.closed:
            return
        try:
            # A full disk often shows only here, when the buffered tail is flushed or synced.
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._temp, self._target)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Drop the temporary file; safe to call when closing it fails too (a flush on a full disk)."""
        try:
            self._file.close()
        except OSError:
            pass  # the data is being thrown away; the unlink below is what matters
        finally:
            self._temp.unlink(missing_ok=True)

    def __enter__(self) -> _AtomicFile:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


@hookimpl
def candor_register_storage_backends(settings: Mapping[str, Any], data_dir: Path) -> Sequence[StorageBackend]:
    root = Path(settings["folder"]) if settings["folder"] else data_dir / "media"
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return [LocalStorage(root)]


@hookimpl
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    return [DoctorCheck("storage", _check_storage, readiness=True)]


def _check_storage(app: Any) -> CheckResult:
    from candor.state import get_state

    storage = get_state(app).storage_backends.get("local")
    if storage is None:
        return CheckResult(CheckStatus.FAILED, "local storage is not configured")
    probe = "doctor/probe"
    try:
        with storage.open_write(probe) as handle:
            handle.write(b"candor")
        with storage.open_read(probe) as handle:
            ok = handle.read() == b"candor"
        storage.delete(probe)
    except OSError as exc:
        assert isinstance(storage, LocalStorage)
        return CheckResult(CheckStatus.FAILED, f"cannot write to {storage.root}: {exc.strerror}",
                           "Check the folder exists, is writable by this user and the disk is not full.")
    if not ok:
        return CheckResult(CheckStatus.FAILED, "what was written could not be read back")
    assert isinstance(storage, LocalStorage)
    usage = os.statvfs(storage.root)
    free_gb = usage.f_bavail * usage.f_frsize / 1e9
    if free_gb < 1:
        return CheckResult(CheckStatus.WARNING, f"{storage.root} has {free_gb:.2f} GB free",
                           "Free disk space or move media to a larger volume.")
    return CheckResult(CheckStatus.OK, f"{storage.root} writable, {free_gb:.1f} GB free")
