"""``candor backup`` while interviews are running, and ``candor restore`` into a new database and data folder: the
restored platform passes ``candor audit verify --db``, reads its personal data with the restored keys, and its
workers finish what was in flight at the moment of the backup. Plus the refusals that protect an operator."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from candor.app import create_app
from candor.interviews.models import Answer, AnswerState, Interview
from candor.interviews.states import InterviewState
from candor.ops import simulate
from candor.state import get_state
from candor.tasks.models import WorkItem, WorkState

from .checks import progress, settled
from .deployment import create_database, drop_database, wait_for
from .test_fault_drills import Load, _running

WAVE = 4


def _counts(state: Any) -> tuple[dict[str, int], dict[str, int]]:
    with state.db.transaction() as session:
        interviews = dict(session.execute(select(Interview.state, func.count()).group_by(Interview.state)).all())
        answers = dict(session.execute(select(Answer.state, func.count()).group_by(Answer.state)).all())
    return {str(k): v for k, v in interviews.items()}, {str(k): v for k, v in answers.items()}


def _idle(state: Any) -> bool:
    with state.db.transaction() as session:
        busy = session.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.state.in_([WorkState.QUEUED, WorkState.RUNNING]), WorkItem.kind != "core.pull_check_ins"))
    return busy == 0


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_backup_under_load_restores_to_a_working_platform(deployment_factory, fresh_database, shared_services,
                                                         recording, tmp_path: Path) -> None:
    site = deployment_factory(fresh_database, shared_services[1]).start(workers=2)
    app = create_app(site.app_settings())
    state = get_state(app)
    restored_url = create_database(shared_services[0])
    backup, keys = tmp_path / "backup", tmp_path / "backup-keys"
    try:
        interviews = simulate.seed_interviews(state, 2 * WAVE, questions=2)
        measured, first = asyncio.run(simulate.run_load(site.url, interviews[:WAVE], *recording))
        assert measured.errors == []
        wait_for(lambda: settled(state, list(first)), 600, "the first candidates to reach review",
                 lambda: progress(state))

        second = Load(site, interviews[WAVE:], recording)  # interviews running while the backup is taken
        wait_for(lambda: _running(state), 120, "the second candidates' pipeline to start", site.logs)
        made = site.cli("backup", "--to", str(backup), "--keys-to", str(keys))
        assert "Keys written to" in made.stdout
        later, _accepted = second.join()
        assert later.errors == []  # the backup held nobody up long enough to fail a request
        manifest = json.loads((backup / "manifest.json").read_text())
        assert manifest["database"]["dialect"] == "postgresql" and manifest["keys"] == "separate"
        assert not (backup / "keys").exists() and (keys / "keyring.json").is_file()
        assert oct((backup).stat().st_mode & 0o777) == "0o700"

        # A new installation: empty database, empty data folder; restore, then verify as an auditor would.
        restored = deployment_factory(restored_url, shared_services[1], name="restored")
        output = restored.cli("restore", "--from", str(backup), "--keys-from", str(keys), "--json")
        result = json.loads(output.stdout)
        assert result["audit"]["status"] == "ok", result
        assert result["requeued_work"] >= 0  # units running at the snapshot: queued again, not left leased
        assert 0 < result["audit"]["head_seq"] <= manifest["audit_head_after_snapshot"]
        assert restored.cli("audit", "verify", "--db").stdout.startswith("OK")

        restored.start(workers=2)
        copy = create_app(restored.app_settings())
        copy_state = get_state(copy)
        try:
            # Whatever was queued or running at the snapshot is finished by the restored workers.
            wait_for(lambda: _idle(copy_state), 300, "the restored workers to finish the work in flight",
                     lambda: progress(copy_state) + restored.logs())
            interviews_now, answers_now = _counts(copy_state)
            assert answers_now.get(str(AnswerState.UPLOADED), 0) == 0
            assert answers_now.get(str(AnswerState.PROCESSING), 0) == 0, answers_now
            assert interviews_now.get(str(InterviewState.ANALYSING), 0) == 0, interviews_now
            assert interviews_now.get(str(InterviewState.AWAITING_REVIEW), 0) >= WAVE

            # Personal data reads with the restored keys: a reviewer opens a restored interview's transcript.
            token = simulate.reviewer_token(copy_state)
            headers = {"Authorization": f"Bearer {token}"}
            queue = httpx.get(f"{restored.url}/api/v1/review/queue", headers=headers, timeout=30).json()
            assert {item["id"] for item in queue["interviews"]} >= set(first)
            detail = httpx.get(f"{restored.url}/api/v1/review/interviews/{next(iter(first))}", headers=headers,
                               timeout=30)
            assert detail.status_code == 200, detail.text
            assert "refunded" in detail.text.lower() or "customer" in detail.text.lower(), detail.text[:500]
            assert restored.cli("audit", "verify", "--db").stdout.startswith("OK")
        finally:
            copy_state.db.dispose()
    finally:
        state.db.dispose()
        for deployment in (site, *([restored] if "restored" in locals() else [])):
            deployment.stop()  # before its database is dropped
        drop_database(restored_url)


@pytest.mark.candor_backends("sqlite")
def test_sqlite_backup_and_restore_with_the_refusals(candor_app, candor_cli, tmp_path: Path) -> None:
    from candor.demo import seed_demo

    state = get_state(candor_app)
    with state.db.transaction() as session:
        seed_demo(state, session, questions=1)
    backup, keys = tmp_path / "b", tmp_path / "k"
    made = candor_cli("backup", "--to", str(backup), "--keys-to", str(keys))
    assert made.exit_code == 0, made.output
    again = candor_cli("backup", "--to", str(backup))
    assert again.exit_code != 0 and "not empty" in again.output
    inside = candor_cli("backup", "--to", str(tmp_path / "c"), "--keys-to", str(tmp_path / "c" / "keys"))
    assert inside.exit_code != 0 and "apart" in inside.output

    # Restoring over a database that holds data is refused; a new one receives it.
    over = candor_cli("restore", "--from", str(backup), "--keys-from", str(keys))
    assert over.exit_code != 0 and "not empty" in over.output
    target = tmp_path / "restored"
    other = create_app({"data_dir": target / "data", "database_url": f"sqlite:///{target / 'candor.db'}",
                        "testing": True, "queue_name": "restored"})
    try:
        from click.testing import CliRunner
        from flask.cli import ScriptInfo

        from candor.cli import cli

        runner = CliRunner()
        missing_keys = runner.invoke(cli, ["restore", "--from", str(backup)],
                                     obj=ScriptInfo(create_app=lambda: other))
        assert missing_keys.exit_code != 0 and "--keys-from" in missing_keys.output
        done = runner.invoke(cli, ["restore", "--from", str(backup), "--keys-from", str(keys)],
                             obj=ScriptInfo(create_app=lambda: other))
        assert done.exit_code == 0, done.output
        assert "Audit chain: OK" in done.output
        with get_state(other).db.transaction() as session:
            assert session.scalar(select(func.count()).select_from(Interview)) == 1
        damaged = backup / "candor.db"
        damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
        refused = runner.invoke(cli, ["restore", "--from", str(backup), "--keys-from", str(keys)],
                                obj=ScriptInfo(create_app=lambda: other))
        assert refused.exit_code != 0 and "damaged" in refused.output
    finally:
        get_state(other).db.dispose()
