"""Audit append throughput on SQLite and PostgreSQL, against a plain insert of the same rows (the ratio is the
price of the hash chain and its lock).

    .venv/bin/python bench/audit_append.py [--entries N] [--batch B] [--postgres URL]

Each database is fresh and built by the real migrations. "audit" appends through ``candor.audit.record`` and
a commit (head lock, hashing, insert, head update); "plain" inserts rows of the same shape into a copy of the
table without triggers, also one commit per transaction. ``--batch`` is the entries per transaction.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Index, MetaData, Table, create_engine, insert, text

from candor import audit
from candor.app import create_app
from candor.audit.models import AuditEntry
from candor.db import migrate, utcnow
from candor.state import get_state

POSTGRES = os.environ.get("CANDOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def measure(url: str, data_dir: Path, entries: int, batch: int) -> tuple[float, float]:
    app = create_app({"database_url": url, "data_dir": data_dir})
    state = get_state(app)
    migrate.upgrade(state)
    # Same columns, key and indexes; no triggers, no chain.
    source = AuditEntry.__table__
    plain = Table("bench_plain_entries", MetaData(), *[
        Column(column.name, column.type, primary_key=column.primary_key) for column in source.columns])
    for index in source.indexes:
        Index(f"bench_{index.name}", *[plain.c[column.name] for column in index.columns])
    plain.create(state.db.engine)

    started = time.perf_counter()
    with audit.acting_as("system:bench"):
        for first in range(0, entries, batch):
            with state.db.transaction() as session:
                for number in range(first, min(first + batch, entries)):
                    audit.record(session, "access.read", f"candidate:{number}", purpose="recruitment",
                                 details={"via": "GET reviews.answer"})
    audit_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for first in range(0, entries, batch):
        rows: list[dict[str, Any]] = [
            {"seq": number + 1, "recorded_at": utcnow(), "actor": "system:bench", "action": "access.read",
             "subject": f"candidate:{number}", "purpose": "recruitment", "outcome": "success",
             "details": {"via": "GET reviews.answer"}, "prev_hash": "0" * 64, "hash": secrets.token_hex(32)}
            for number in range(first, min(first + batch, entries))]
        with state.db.transaction() as session:  # a session, as the audit path uses one
            session.execute(insert(plain), rows)
    plain_seconds = time.perf_counter() - started
    state.db.dispose()
    return audit_seconds, plain_seconds


def report(name: str, entries: int, batch: int, audit_seconds: float, plain_seconds: float) -> None:
    print(f"{name:<10} batch {batch:>3}: audit {entries / audit_seconds:>8,.0f} entries/s, "
          f"plain insert {entries / plain_seconds:>8,.0f} rows/s, "
          f"audit costs {audit_seconds / plain_seconds:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--postgres", default=POSTGRES, help="Server URL; a scratch database is made there.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for batch in args.batch:
            url = f"sqlite:///{folder}/bench-{batch}.db"
            seconds = measure(url, Path(folder) / f"data-{batch}", args.entries, batch)
            report("sqlite", args.entries, batch, *seconds)
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        for batch in args.batch:
            name = f"candor_bench_{secrets.token_hex(4)}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = admin.url.set(database=name).render_as_string(hide_password=False)
                report("postgresql", args.entries, batch,
                       *measure(url, Path(folder) / f"pg-{batch}", args.entries, batch))
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
