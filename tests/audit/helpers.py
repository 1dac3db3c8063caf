"""Reading and rewriting export bundles, for the tampering tests."""

import json
import zipfile
from pathlib import Path


def read_bundle(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_bundle(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def entry_lines(members: dict[str, bytes]) -> list[dict]:
    return [json.loads(line) for line in members["entries.jsonl"].splitlines()]


def with_entries(members: dict[str, bytes], entries: list[dict]) -> dict[str, bytes]:
    body = "".join(json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n" for entry in entries)
    return {**members, "entries.jsonl": body.encode()}
