"""Verification throughput: build a 1,000,000-entry export bundle (default) and time ``verify_bundle`` on it.

    .venv/bin/python bench/audit_verify.py [--entries N] [--keep FILE]

The bundle is written with the same writer and signing code as ``candor audit export``; only the entries are
generated rather than read from a database. Goal from the issue: under 20 s for 1,000,000 entries.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from candor.audit.chain import format_time
from candor.audit.export import ExportFilter, write_bundle
from candor.audit.signing import sign_checkpoint
from candor.audit.verify import GENESIS_HASH, entry_hash, verify_bundle

ACTIONS = ("access.read", "access.update", "consent.give", "auth.sign_in", "policy.decision", "plugin.invoke")


def entries(count: int, heads: dict[int, str]) -> Iterator[dict[str, Any]]:
    """Realistic entries (sizes like the real ones), chained; remembers the hashes at ``heads``' keys."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    prev = GENESIS_HASH
    for seq in range(1, count + 1):
        body = {"seq": seq, "time": format_time(start + timedelta(milliseconds=seq * 37)),
                "actor": f"user:{seq % 50}", "action": ACTIONS[seq % len(ACTIONS)],
                "subject": f"candidate:{seq % 20000}", "purpose": "recruitment", "outcome": "success",
                "details": {"via": "GET reviews.answer"}, "prev_hash": prev}
        prev = body["hash"] = entry_hash(body)
        if seq in heads:
            heads[seq] = prev
        yield body


def build(path: Path, count: int) -> None:
    key = Ed25519PrivateKey.generate()
    every = max(1, count // 10)
    heads = {seq: "" for seq in range(every, count + 1, every)} | {count: ""}
    with path.open("wb") as handle:
        # Checkpoints need the hashes, so the chain is computed once to collect them, then written.
        for _ in entries(count, heads):
            pass
        checkpoints, previous = [], GENESIS_HASH
        for seq in sorted(heads):
            checkpoint = sign_checkpoint(key, seq, heads[seq], previous)
            checkpoints.append(checkpoint)
            previous = checkpoint["checkpoint_hash"]
        write_bundle(handle, key, entries(count, {}), checkpoints, ExportFilter(), first_seq=1,
                     last_seq=count, prev_hash=GENESIS_HASH)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="Write the bundle here and keep it.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "bundle.zip"
        started = time.perf_counter()
        build(path, args.entries)
        built = time.perf_counter() - started
        started = time.perf_counter()
        report = verify_bundle(str(path))
        took = time.perf_counter() - started
        size = path.stat().st_size
    print(f"bundle: {args.entries:,} entries, {size / 1e6:.1f} MB zipped, built in {built:.1f} s")
    print(report.summary())
    print(f"verify: {took:.2f} s  ({args.entries / took:,.0f} entries/s)  goal < 20 s for 1,000,000: "
          f"{'met' if took * 1_000_000 / args.entries < 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
