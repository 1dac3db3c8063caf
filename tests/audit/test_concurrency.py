"""Several real processes appending at once form one chain: no fork, no gap, no duplicate."""

import multiprocessing

from sqlalchemy import func, select

from candor.audit.live import verify_database
from candor.audit.models import AuditEntry

PROCESSES = 4
ENTRIES_EACH = 200


def _append_many(settings: dict, number: int, start, done) -> None:
    from candor import audit
    from candor.app import create_app
    from candor.state import get_state

    state = get_state(create_app(settings))
    start.wait()  # every process appends at the same time
    with audit.acting_as(f"system:test:p{number}"):
        for count in range(ENTRIES_EACH):
            with state.db.transaction() as session:
                audit.record(session, "admin.test", f"user:{count}", purpose="administration",
                             details={"process": number})
    state.db.dispose()
    done.put(number)


def test_concurrent_appends_from_several_processes_form_one_valid_chain(state, candor_settings):
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as separate web and worker processes
    start, done = context.Event(), context.Queue()
    workers = [context.Process(target=_append_many, args=(candor_settings, n, start, done))
               for n in range(PROCESSES)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=240)
        assert worker.exitcode == 0, f"an appending process failed (exit {worker.exitcode})"
    assert sorted(done.get(timeout=5) for _ in workers) == list(range(PROCESSES))

    with state.db.transaction() as session:
        seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
        by_actor = dict(session.execute(
            select(AuditEntry.actor, func.count()).group_by(AuditEntry.actor)).all())
        # Interleaving shows the processes really ran at the same time, each taking the lock in turn.
        actors = session.scalars(select(AuditEntry.actor).order_by(AuditEntry.seq)).all()
    assert seqs == list(range(1, PROCESSES * ENTRIES_EACH + 1))
    assert by_actor == {f"system:test:p{n}": ENTRIES_EACH for n in range(PROCESSES)}
    switches = sum(1 for a, b in zip(actors, actors[1:], strict=False) if a != b)
    assert switches >= PROCESSES
    report = verify_database(state)
    assert report.ok, report.message
    assert report.entries == PROCESSES * ENTRIES_EACH
