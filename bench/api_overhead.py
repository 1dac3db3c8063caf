"""What encryption and the audit log cost a real API request, against the same request without them.

Two endpoints of a throwaway plugin return the same three personal fields of one candidate as JSON through the
whole Flask stack (routing, identity, CSRF check, audit context, JSON): one reads the encrypted ``Candidate``
(decryption with the subject's data key, an audit entry appended to the hash chain), the other reads the same
values from a plain table. Rounds alternate so that a noisy machine hurts both alike; the figures are medians.

Run: .venv/bin/python bench/api_overhead.py [--candidates 200] [--rounds 7] [--database-url URL]
Goal (issue 3): ratio at most 1.3.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select

from candor import PluginDeclaration, hookimpl

PLAIN = Table("bench_plain_people", MetaData(), Column("id", Integer, primary_key=True),
              Column("full_name", Text), Column("email", Text), Column("phone", Text))


class BenchEndpoints:
    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(name="bench", title="Benchmark endpoints", capabilities=frozenset({"web_extension"}))

    @hookimpl
    def candor_register_blueprints(self, settings: Any) -> list[Blueprint]:
        from candor.auth import public
        from candor.interviews.models import Candidate
        from candor.state import get_state

        bp = Blueprint("bench", __name__, url_prefix="/plugins/bench")

        @bp.get("/sealed/<int:candidate_id>")
        @public
        def sealed(candidate_id: int) -> Any:
            candidate = get_state().db.session.get(Candidate, candidate_id)
            return jsonify({"name": candidate.full_name, "email": candidate.email, "phone": candidate.phone})

        @bp.get("/plain/<int:row_id>")
        @public
        def plain(row_id: int) -> Any:
            row = get_state().db.session.execute(select(PLAIN).where(PLAIN.c.id == row_id)).one()
            return jsonify({"name": row.full_name, "email": row.email, "phone": row.phone})

        @bp.get("/audited/<int:row_id>")
        @public
        def audited(row_id: int) -> Any:
            """The plain read plus the same audit entry the encrypted read appends: isolates the audit cost."""
            from candor import audit

            session = get_state().db.session
            row = session.execute(select(PLAIN).where(PLAIN.c.id == row_id)).one()
            audit.record(session, "access.read", f"candidate:{row_id}")
            session.commit()
            return jsonify({"name": row.full_name, "email": row.email, "phone": row.phone})

        return [bp]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temporary folder")
    args = parser.parse_args()

    from candor.app import create_app
    from candor.audit.models import AuditEntry
    from candor.db import migrate
    from candor.interviews.models import Candidate
    from candor.orgs.models import Organization
    from candor.state import get_state

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"data_dir": Path(folder) / "data", "database_url": args.database_url,
                          "log_level": "WARNING"}, plugins=[BenchEndpoints()])
        state = get_state(app)
        migrate.upgrade(state)
        PLAIN.create(state.db.engine, checkfirst=True)
        people = [(f"Person Number {n}", f"person{n}@example.org", f"+1 555 01{n:05d}")
                  for n in range(args.candidates)]
        with state.db.transaction() as session:
            org = Organization(name="Bench", slug="bench-api")
            session.add(org)
            session.flush()
            candidates = [Candidate(organization_id=org.id, full_name=name, email=email, phone=phone)
                          for name, email, phone in people]
            session.add_all(candidates)
            session.flush()
            sealed_ids = [c.id for c in candidates]
            plain_ids = [session.execute(insert(PLAIN).values(full_name=n, email=e, phone=p)).inserted_primary_key[0]
                         for n, e, p in people]
        with state.db.transaction() as session:
            entries_before = session.query(AuditEntry).count()

        backend = state.db.engine.dialect.name
        client = app.test_client()
        server = _serve(app)
        http = HTTPConnection("127.0.0.1", server.effective_port)

        def in_process(path: str) -> None:
            assert client.get(path).status_code == 200

        def over_http(path: str) -> None:
            http.request("GET", path)
            response = http.getresponse()
            response.read()
            assert response.status == 200

        print(f"API request, {backend}, {args.candidates} candidates x {args.rounds} rounds (medians):")
        requests = 0
        modes = (("in process (Flask test client)", in_process), ("over HTTP (waitress, loopback)", over_http))
        for label, call in modes:
            for path in (f"/plugins/bench/sealed/{sealed_ids[0]}", f"/plugins/bench/plain/{plain_ids[0]}"):
                call(path)  # warm both paths (imports, caches, statements)
            requests += 1
            plain_ms, audited_ms, sealed_ms = _measure(call, plain_ids, sealed_ids, args.rounds)
            requests += 2 * len(sealed_ids) * args.rounds
            print(f"  {label}:")
            print(f"    plain table, no audit:          {plain_ms:7.3f} ms/request  ({1000 / plain_ms:6.0f} req/s)")
            print(f"    plain table + audit entry:      {audited_ms:7.3f} ms/request  "
                  f"(ratio {audited_ms / plain_ms:.2f})")
            print(f"    encrypted fields + audit entry: {sealed_ms:7.3f} ms/request  ({1000 / sealed_ms:6.0f} req/s)")
            print(f"    ratio encrypted+audited / plain: {sealed_ms / plain_ms:.2f}  (goal <= 1.3)")
        server.close()
        with state.db.transaction() as session:
            audited = session.query(AuditEntry).count() - entries_before
        print(f"  audit entries appended: {audited} (one per audited or encrypted read: {requests})")
        state.db.dispose()


def _measure(call: Any, plain_ids: list[int], sealed_ids: list[int], rounds: int) -> tuple[float, float, float]:
    times: dict[str, list[float]] = {"plain": [], "audited": [], "sealed": []}
    for _ in range(rounds):
        for route, ids in (("plain", plain_ids), ("audited", plain_ids), ("sealed", sealed_ids)):
            start = time.perf_counter()
            for row_id in ids:
                call(f"/plugins/bench/{route}/{row_id}")
            times[route].append((time.perf_counter() - start) / len(ids))
    plain, audited, sealed = (statistics.median(times[r]) * 1000 for r in ("plain", "audited", "sealed"))
    return plain, audited, sealed


def _serve(app: Any) -> Any:
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    return server


if __name__ == "__main__":
    main()
