"""Backups taken while the platform runs, and restores into a new installation.

A backup is a folder (owner-only) holding:

- ``database.pgdump`` (``pg_dump --format=custom``: one consistent snapshot, taken while web and workers write)
  or ``candor.db`` (SQLite's online backup API, also one consistent snapshot);
- ``media/``: the encrypted media of the local storage backend. It is copied before the database snapshot and
  topped up after it, so every file the snapshot names is there (files removed between the passes stay in the
  copy). Media in another backend (object storage) is that backend's to back up (versioning, replication);
- ``data/``: the session secret (``secret_key``, unless configured), the connector secrets set in the admin UI
  (``plugin-secrets.json``) and the audit signing key
  (``audit_signing_key.pem``), without which restored checkpoints would not verify;
- ``manifest.json``: what was copied, sizes, the snapshot's SHA-256, the audit chain head at the snapshot.

The key folder (the key ring and each subject's erasable secret) goes to a **separate** destination
(``keys_to``), copied after the database snapshot so that it holds the secret of every subject the snapshot
knows. Keep it apart, with its own retention: restoring an old key folder with an old database would bring
erased subjects back (README, operating notes).

A restore goes into an empty database and a data folder; whatever was there (a fresh key ring or secret made by
the first start) is moved aside, never deleted. Afterwards the audit chain is verified as ``candor audit verify
--db`` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, make_url, select

from candor.audit.signing import KEY_FILE as SIGNING_KEY_FILE
from candor.plugin_secrets import FILE_NAME as SECRETS_FILE

if TYPE_CHECKING:
    from candor.state import CandorState

FORMAT = "candor-backup/1"
MANIFEST = "manifest.json"
PG_DUMP_FILE = "database.pgdump"
SQLITE_FILE = "candor.db"


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class BackupReport:
    folder: Path
    database: str
    media_files: int
    media_bytes: int
    keys_folder: Path | None
    audit_head: int
    seconds: float


def _libpq_url(state: CandorState) -> str:
    """The database URL as pg_dump and pg_restore take it (no SQLAlchemy driver suffix)."""
    url = make_url(state.settings.resolved_database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(state: CandorState) -> Path:
    database = make_url(state.settings.resolved_database_url).database
    if not database or database == ":memory:":
        raise BackupError("The SQLite database is in memory; there is nothing to back up.")
    return Path(database)


def _fresh_folder(folder: Path, what: str) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"The {what} folder {folder} is not empty; give a new folder for each backup.")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)


def media_root(state: CandorState) -> Path | None:
    """The local storage backend's folder, or ``None`` when media lives elsewhere (object storage)."""
    root = getattr(state.storage, "root", None)
    return Path(root) if root is not None else None


def key_folder(state: CandorState) -> Path | None:
    """The key provider's folder when it keeps keys in files (``file_keyring``); ``None`` for a KMS."""
    from candor.vault.keys import get_vault

    folder = getattr(get_vault(state).provider, "folder", None)
    return Path(folder) if folder is not None else None


def _copy_tree(source: Path, target: Path, *, skip_existing: bool) -> tuple[int, int]:
    """Copy regular files (not temporary ``.part-`` files of writes in progress); returns (files, bytes)."""
    files = size = 0
    if not source.is_dir():
        return 0, 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith(".part-") or path.name.endswith(".lock"):
            continue
        destination = target / path.relative_to(source)
        if skip_existing and destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            shutil.copy2(path, destination)
        except FileNotFoundError:  # removed while we copied (a joined upload's pieces): nothing to keep
            continue
        files += 1
        size += destination.stat().st_size
    return files, size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _audit_head(state: CandorState) -> int:
    from candor.audit.models import HEAD_ROW_ID, AuditChainHead

    with state.db.engine.connect() as connection:
        return int(connection.scalar(select(AuditChainHead.seq).where(AuditChainHead.id == HEAD_ROW_ID)) or 0)


def _snapshot(state: CandorState, folder: Path) -> Path:
    if state.db.is_sqlite:
        target = folder / SQLITE_FILE
        source = sqlite3.connect(_sqlite_path(state), timeout=60)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination, pages=1024, sleep=0.005)  # in steps, so writers are not held up long
        finally:
            destination.close()
            source.close()
        target.chmod(0o600)
        return target
    target = folder / PG_DUMP_FILE
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed; install the PostgreSQL client of the server's version "
                          "(Debian: apt-get install postgresql-client).")
    result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
                             "--dbname", _libpq_url(state)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[-500:]}")
    target.chmod(0o600)
    return target


def backup(state: CandorState, folder: Path, *, keys_to: Path | None = None) -> BackupReport:
    """Back up a running installation into ``folder`` (new or empty) and its keys into ``keys_to``."""
    started = time.perf_counter()
    folder = folder.resolve()
    _fresh_folder(folder, "backup")
    keys_source = key_folder(state)
    if keys_to is not None:
        keys_to = keys_to.resolve()
        if keys_to == folder or folder in keys_to.parents:
            raise BackupError("Keep the keys apart from the backup: give --keys-to a folder outside it.")
        if keys_source is None:
            raise BackupError("The key provider keeps its keys itself (a KMS); back them up with its tools and "
                              "leave out --keys-to.")
        _fresh_folder(keys_to, "keys")

    root = media_root(state)
    media = folder / "media"
    media.mkdir(mode=0o700)
    if root is not None:
        _copy_tree(root, media, skip_existing=False)  # first pass: what exists before the snapshot
    snapshot = _snapshot(state, folder)
    head = _audit_head(state)  # at least the snapshot's head: the snapshot came first
    files, size = (0, 0)
    if root is not None:
        _copy_tree(root, media, skip_existing=True)  # second pass: files the snapshot may name
        files = sum(1 for p in media.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in media.rglob("*") if p.is_file())

    data = folder / "data"
    data.mkdir(mode=0o700)
    copied = []
    for name in ("secret_key", SIGNING_KEY_FILE, SECRETS_FILE):
        source = state.settings.data_dir / name
        if source.is_file():
            shutil.copy2(source, data / name)
            (data / name).chmod(0o600)
            copied.append(name)
    if keys_to is not None and keys_source is not None:
        _copy_tree(keys_source, keys_to, skip_existing=False)

    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {"dialect": "sqlite" if state.db.is_sqlite else "postgresql", "file": snapshot.name,
                     "bytes": snapshot.stat().st_size, "sha256": _sha256(snapshot)},
        "audit_head_after_snapshot": head,
        "media": {"backend": state.settings.storage_backend, "files": files, "bytes": size,
                  "included": root is not None},
        "data_files": copied,
        "keys": "separate" if keys_to is not None else "not included",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    (folder / MANIFEST).chmod(0o600)
    return BackupReport(folder, manifest["database"]["dialect"], files, size, keys_to, head,
                        time.perf_counter() - started)


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} is not a Candor backup (no {MANIFEST}).")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is a backup of format {manifest.get('format')!r}; this version reads {FORMAT}.")
    snapshot = folder / manifest["database"]["file"]
    if not snapshot.is_file() or _sha256(snapshot) != manifest["database"]["sha256"]:
        raise BackupError(f"The database snapshot in {folder} is missing or damaged (checksum differs); use "
                          "another backup.")
    return manifest


def _set_aside(path: Path) -> Path | None:
    """Move an existing file or folder out of the way (``<name>.before-restore-<time>``); never delete it."""
    if not path.exists():
        return None
    aside = path.with_name(f"{path.name}.before-restore-{datetime.now(UTC):%Y%m%d%H%M%S}")
    path.rename(aside)
    return aside


def _database_is_empty(state: CandorState) -> bool:
    with state.db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    return not tables


def restore(state: CandorState, folder: Path, *, keys_from: Path | None = None) -> dict[str, Any]:
    """Restore ``folder`` (and the key folder ``keys_from``) into this installation's empty database and data
    folder; returns what was done, with the audit chain verification."""
    from candor.audit.live import verify_database

    folder = folder.resolve()
    manifest = read_manifest(folder)
    dialect = "sqlite" if state.db.is_sqlite else "postgresql"
    if manifest["database"]["dialect"] != dialect:
        raise BackupError(f"The backup holds a {manifest['database']['dialect']} database and this installation "
                          f"uses {dialect}; set CANDOR_DATABASE_URL to a {manifest['database']['dialect']} database.")
    if keys_from is None and manifest["keys"] == "separate":
        raise BackupError("Give the key folder backed up with it (--keys-from): without it no personal data "
                          "can be read.")
    if keys_from is not None and not (keys_from / "keyring.json").is_file():
        raise BackupError(f"{keys_from} holds no keyring.json; give the keys folder of this backup.")
    if not _database_is_empty(state):
        raise BackupError("The target database is not empty. Restore into a new database (createdb, or a new "
                          "SQLite path in CANDOR_DATABASE_URL) so nothing is overwritten.")
    snapshot = folder / manifest["database"]["file"]
    state.db.engine.dispose()
    if dialect == "sqlite":
        target = _sqlite_path(state)
        _set_aside(target)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        source = sqlite3.connect(snapshot)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        os.chmod(target, 0o600)
    else:
        if shutil.which("pg_restore") is None:
            raise BackupError("pg_restore is not installed; install the PostgreSQL client (postgresql-client).")
        result = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                                 "--dbname", _libpq_url(state), str(snapshot)],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[-500:]}")

    requeued = _release_claims(state)
    moved: list[str] = []
    data_dir = state.settings.data_dir
    for name in manifest.get("data_files", []):
        if _set_aside(data_dir / name) is not None:
            moved.append(name)
        shutil.copy2(folder / "data" / name, data_dir / name)
        (data_dir / name).chmod(0o600)
    root = media_root(state)
    media_files = 0
    if root is not None and manifest["media"]["included"]:
        if root.exists() and any(p.is_file() for p in root.rglob("*")):
            _set_aside(root)
            moved.append(str(root.name))
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        media_files, _ = _copy_tree(folder / "media", root, skip_existing=False)
    keys_target = key_folder(state)
    if keys_from is not None and keys_target is not None:
        _set_aside(keys_target)
        moved.append(keys_target.name)
        keys_target.mkdir(parents=True, mode=0o700)
        _copy_tree(keys_from, keys_target, skip_existing=False)  # the ring reloads a file that changed
    report = verify_database(state)
    return {"database": dialect, "media_files": media_files, "set_aside": moved, "requeued_work": requeued,
            "audit": report.to_dict()}


def _release_claims(state: CandorState) -> int:
    """Put units that were running at the snapshot back in the queue. Their claims belong to processes of the
    old installation, which never write to this database; left as they are, they would wait out their lease
    (``work_lease_seconds``) before any worker here could take them."""
    from sqlalchemy import update

    from candor.tasks.models import WorkItem, WorkState

    with state.db.engine.begin() as connection:
        released = connection.execute(
            update(WorkItem).where(WorkItem.state == WorkState.RUNNING)
            .values(state=WorkState.QUEUED, claimed_by=None, lease_until=None))
    return int(released.rowcount or 0)
