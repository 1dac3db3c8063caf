"""Vault throughput against plain baselines in the same process: encrypted candidate fields versus plaintext
rows, and encrypted media versus a plain file copy. Run: .venv/bin/python bench/vault_bench.py [--rows N]."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--media-mb", type=int, default=128)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    args = parser.parse_args()

    from candor.app import create_app
    from candor.db import migrate
    from candor.interviews.models import Candidate
    from candor.orgs.models import Organization
    from candor.state import get_state
    from candor.vault.media import iter_media, store_media

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"data_dir": Path(folder) / "data", "database_url": args.database_url})
        state = get_state(app)
        migrate.upgrade(state)
        plain = Table("bench_plain_candidates", MetaData(), Column("id", Integer, primary_key=True),
                      Column("full_name", Text), Column("email", Text), Column("phone", Text))
        plain.create(state.db.engine)
        people = [(f"Person Number {n}", f"person{n}@example.org", f"+1 555 01{n:05d}")
                  for n in range(args.rows)]
        with state.db.transaction() as session:
            org = Organization(name="Bench", slug="bench")
            session.add(org)
            session.flush()
            org_id = org.id

        start = time.perf_counter()
        with state.db.engine.begin() as connection:
            for name, email, phone in people:
                connection.execute(insert(plain).values(full_name=name, email=email, phone=phone))
        plain_insert = time.perf_counter() - start

        start = time.perf_counter()
        with state.db.transaction() as session:
            for name, email, phone in people:  # one subject each: the realistic, slowest case
                session.add(Candidate(organization_id=org_id, full_name=name, email=email, phone=phone))
        sealed_insert = time.perf_counter() - start

        start = time.perf_counter()
        with state.db.engine.connect() as connection:
            plain_values = [tuple(row[1:]) for row in connection.execute(select(plain))]
        plain_read = time.perf_counter() - start

        # A fresh app: no data key cached, so every subject is unwrapped once, as after a restart.
        reader = get_state(create_app({"data_dir": Path(folder) / "data", "database_url": state.db.url}))
        start = time.perf_counter()
        with reader.db.transaction() as session:
            sealed_values = [(c.full_name, c.email, c.phone) for c in session.scalars(select(Candidate))]
        sealed_read = time.perf_counter() - start
        assert sealed_values == plain_values == people

        fields = 3 * args.rows
        print(f"database: {state.db.engine.dialect.name}, {args.rows} candidates, {fields} personal fields")
        print(f"  insert  plain {fields / plain_insert:10.0f} fields/s   "
              f"encrypted {fields / sealed_insert:10.0f} fields/s"
              f"   ratio {sealed_insert / plain_insert:5.2f}x slower")
        print(f"  read    plain {fields / plain_read:10.0f} fields/s   "
              f"encrypted {fields / sealed_read:10.0f} fields/s"
              f"   ratio {sealed_read / plain_read:5.2f}x slower")

        size = args.media_mb * 1024 * 1024
        source = Path(folder) / "source.bin"
        with source.open("wb") as out:
            for _ in range(args.media_mb):
                out.write(os.urandom(1024 * 1024))
        with state.db.transaction() as session:
            subject = session.scalars(select(Candidate)).first().subject
            _ = subject.handle

        start = time.perf_counter()
        with source.open("rb") as src, (Path(folder) / "copy.bin").open("wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        plain_copy = time.perf_counter() - start
        start = time.perf_counter()
        with source.open("rb") as src:
            store_media(state, subject, "bench/media.bin", src)
        sealed_write = time.perf_counter() - start
        start = time.perf_counter()
        with (Path(folder) / "copy.bin").open("rb") as src:
            while src.read(1024 * 1024):
                pass
        plain_readback = time.perf_counter() - start
        start = time.perf_counter()
        for _ in iter_media(state, subject, "bench/media.bin"):
            pass
        sealed_readback = time.perf_counter() - start
        mb = size / 1e6
        print(f"media: {args.media_mb} MiB, 1 MiB chunks")
        print(f"  write   plain copy {mb / plain_copy:8.0f} MB/s   encrypted {mb / sealed_write:8.0f} MB/s"
              f"   ratio {sealed_write / plain_copy:5.2f}x slower")
        print(f"  read    plain read {mb / plain_readback:8.0f} MB/s   "
              f"decrypted {mb / sealed_readback:8.0f} MB/s"
              f"   ratio {sealed_readback / plain_readback:5.2f}x slower")
        reader.db.dispose()
        state.db.dispose()


if __name__ == "__main__":
    main()
