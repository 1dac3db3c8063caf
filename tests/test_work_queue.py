"""Durable units of work, run in this process: the rules that make work survive crashes and retries."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from candor import PluginDeclaration, hookimpl
from candor.app import create_app
from candor.audit.context import current_context
from candor.orgs.models import Organization
from candor.plugins import PluginError
from candor.state import get_state
from candor.tasks import WorkState, enqueue
from candor.tasks import work as work_module
from candor.tasks.models import WorkItem
from candor.tasks.work import UnknownWorkKind


class Probe:
    """A throwaway plugin whose handlers write rows, fail on demand, and record how often they ran."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    @hookimpl
    def candor_declare(self) -> PluginDeclaration:
        return PluginDeclaration(name="probe", title="Probe", capabilities=frozenset({"background_work"}))

    @hookimpl
    def candor_register_work_handlers(self, settings):
        return {"probe.create_org": self.create_org, "probe.flaky": self.flaky}

    def create_org(self, context):
        self.calls.append((context.item_id, context.attempt))
        context.session.add(Organization(name="Probe Ltd", slug=context.payload["slug"]))
        context.session.flush()
        if context.payload.get("fail"):
            raise RuntimeError("the handler failed after writing")
        return {"slug": context.payload["slug"]}

    def flaky(self, context):
        self.calls.append((context.item_id, context.attempt))
        if context.attempt < context.payload["succeed_on"]:
            raise ConnectionError("upstream not answering")
        return {"attempt": context.attempt}


@pytest.fixture
def probe():
    return Probe()


@pytest.fixture
def app(candor_settings, probe):
    app = create_app(candor_settings, plugins=[probe])
    yield app
    get_state(app).db.dispose()


def _enqueue(app, kind, payload, **options) -> int:
    state = get_state(app)
    with state.db.transaction() as session:
        return enqueue(session, kind, payload, **options).id


def _item(app, item_id) -> WorkItem:
    with get_state(app).db.transaction() as session:
        return session.get(WorkItem, item_id)


def _orgs(app, slug) -> int:
    with get_state(app).db.transaction() as session:
        return session.scalar(select(func.count()).where(Organization.slug == slug))


def test_handler_writes_commit_with_completion(app):
    item_id = _enqueue(app, "probe.create_org", {"slug": "acme"})
    assert _item(app, item_id).state == WorkState.QUEUED
    assert work_module.run(get_state(app), item_id) == "done"
    item = _item(app, item_id)
    assert item.state == WorkState.DONE
    assert item.result == {"slug": "acme"}
    assert item.attempts == 1
    assert _orgs(app, "acme") == 1


def test_a_finished_unit_never_runs_again(app, probe):
    item_id = _enqueue(app, "probe.create_org", {"slug": "once"})
    work_module.run(get_state(app), item_id)
    assert work_module.run(get_state(app), item_id) == "skipped"
    assert len(probe.calls) == 1
    assert _orgs(app, "once") == 1


def test_failure_rolls_back_the_handlers_writes_and_retries_later(app):
    item_id = _enqueue(app, "probe.create_org", {"slug": "broken", "fail": True}, max_attempts=2)
    assert work_module.run(get_state(app), item_id) == "retry"
    item = _item(app, item_id)
    assert item.state == WorkState.QUEUED
    assert item.not_before is not None and item.not_before > item.enqueued_at
    assert item.last_error == "RuntimeError: the handler failed after writing"
    assert _orgs(app, "broken") == 0
    # Not before its backoff has passed, even if a message arrives early.
    assert work_module.run(get_state(app), item_id) == "skipped"


def test_gives_up_after_max_attempts_and_keeps_the_error(app, probe):
    item_id = _enqueue(app, "probe.flaky", {"succeed_on": 99}, max_attempts=1)
    assert work_module.run(get_state(app), item_id) == "failed"
    item = _item(app, item_id)
    assert item.state == WorkState.FAILED
    assert "ConnectionError" in item.last_error
    assert item.finished_at is not None


def test_retry_succeeds_once_backoff_passed(app):
    state = get_state(app)
    item_id = _enqueue(app, "probe.flaky", {"succeed_on": 2})
    assert work_module.run(state, item_id) == "retry"
    with state.db.transaction() as session:  # let the backoff pass
        session.get(WorkItem, item_id).not_before = None
    assert work_module.run(state, item_id) == "done"
    assert _item(app, item_id).result == {"attempt": 2}


def test_dedupe_key_gives_back_the_same_unit(app):
    first = _enqueue(app, "probe.create_org", {"slug": "d"}, dedupe_key="org:d")
    second = _enqueue(app, "probe.create_org", {"slug": "d"}, dedupe_key="org:d")
    assert first == second


def test_unknown_kind_is_refused_when_enqueued(app):
    with pytest.raises(UnknownWorkKind, match="probe.nothing"):
        _enqueue(app, "probe.nothing", {})


def test_payload_must_be_json(app):
    with pytest.raises(TypeError):
        _enqueue(app, "probe.create_org", {"slug": object()})


def test_sweep_recovers_a_unit_held_by_a_dead_process(app, probe):
    state = get_state(app)
    item_id = _enqueue(app, "probe.create_org", {"slug": "orphan"})
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    with state.db.transaction() as session:
        item = session.get(WorkItem, item_id)
        item.state, item.claimed_by, item.attempts = WorkState.RUNNING, f"{socket.gethostname()}:{dead_pid}", 1
        item.lease_until = item.enqueued_at.replace(year=item.enqueued_at.year + 1)  # lease far from over
    report = work_module.sweep(state)
    assert report.recovered == [item_id]
    assert work_module.run(state, item_id) == "done"
    assert _item(app, item_id).attempts == 2


def test_sweep_leaves_a_unit_held_by_a_live_process_alone(app):
    state = get_state(app)
    item_id = _enqueue(app, "probe.create_org", {"slug": "alive"})
    with state.db.transaction() as session:
        item = session.get(WorkItem, item_id)
        item.state, item.claimed_by = WorkState.RUNNING, f"{socket.gethostname()}:{os.getpid()}"
        item.lease_until = item.enqueued_at.replace(year=item.enqueued_at.year + 1)
    assert work_module.sweep(state).recovered == []
    assert work_module.run(state, item_id) == "skipped"


def test_sweep_resends_units_waiting_too_long(app):
    state = get_state(app)
    item_id = _enqueue(app, "probe.create_org", {"slug": "lost"})
    assert work_module.sweep(state).resent == []  # just queued: give the broker time
    assert work_module.sweep(state, stale_after=0).resent == [item_id]


def test_cancelled_while_running_rolls_back(app, probe):
    state = get_state(app)
    item_id = _enqueue(app, "probe.create_org", {"slug": "withdrawn"})

    original = probe.create_org

    def cancel_midway(context):
        with state.db.transaction() as other:  # e.g. the candidate withdrew consent meanwhile
            work_module.cancel(other, [context.item_id], "consent withdrawn")
        return original(context)

    probe.create_org = cancel_midway
    state.work_handlers["probe.create_org"] = cancel_midway
    assert work_module.run(state, item_id) == "skipped"
    assert _item(app, item_id).state == WorkState.CANCELLED
    assert _orgs(app, "withdrawn") == 0


def _lowered() -> bool:
    """Whether the calling thread runs at the lowest priority: SCHED_IDLE, or nice 19 where that is refused."""
    return os.sched_getscheduler(0) == os.SCHED_IDLE or os.getpriority(os.PRIO_PROCESS, 0) == 19


@pytest.mark.parametrize("fail", [False, True])
def test_idle_priority_runs_the_handler_low_and_commits_at_normal(candor_settings, probe, fail):
    app = create_app({**candor_settings, "worker_cpu_priority": "idle"}, plugins=[probe])
    state = get_state(app)
    seen: dict[str, object] = {}
    original = probe.create_org

    def observed(context):
        seen["handler_lowered"] = _lowered()
        seen["actor"] = current_context().actor
        return original(context)

    commits: list[bool] = []

    def on_commit(session):
        commits.append(_lowered())

    state.work_handlers["probe.create_org"] = observed
    item_id = _enqueue(app, "probe.create_org", {"slug": "idle", "fail": fail}, max_attempts=1)
    event.listen(Session, "before_commit", on_commit)
    try:
        with app.app_context():
            outcome = work_module.run(state, item_id)
    finally:
        event.remove(Session, "before_commit", on_commit)
    assert seen == {"handler_lowered": True, "actor": "system:work:probe.create_org"}
    # The claim, the completion (or the failure) and their audit appends commit at the caller's priority.
    assert commits and not any(commits)
    assert not _lowered()
    if fail:  # the handler's exception crosses back to this thread and rolls back what it wrote
        assert outcome == "failed"
        assert _item(app, item_id).last_error == "RuntimeError: the handler failed after writing"
        assert _orgs(app, "idle") == 0
    else:
        assert outcome == "done"
        assert _item(app, item_id).result == {"slug": "idle"}
        assert _orgs(app, "idle") == 1
    state.db.dispose()


@pytest.mark.candor_backends("sqlite")
def test_work_kinds_must_be_namespaced(candor_settings):
    class Rogue:
        @hookimpl
        def candor_declare(self):
            return PluginDeclaration(name="rogue", title="Rogue")

        @hookimpl
        def candor_register_work_handlers(self, settings):
            return {"probe.create_org": lambda context: None}

    with pytest.raises(PluginError, match="name it 'rogue.<verb>'"):
        create_app(candor_settings, plugins=[Rogue()])
