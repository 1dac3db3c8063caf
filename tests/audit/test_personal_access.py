"""Reads and changes of personal data are recorded without anyone asking: one entry per object per action per
transaction, attributed to whoever acts (a person in a request, a job in the worker)."""

import secrets

import pytest
from sqlalchemy import select

from candor import PluginDeclaration, audit, hookimpl
from candor.app import create_app
from candor.audit.live import verify_database
from candor.audit.models import AuditEntry
from candor.interviews.models import Candidate
from candor.orgs.models import Organization
from candor.state import get_state
from candor.tasks import enqueue
from candor.tasks.work import run


def _entries(state, prefix="access."):
    with state.db.transaction() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action.like(prefix + "%"))
                               .order_by(AuditEntry.seq)).all()
    return [(r.action, r.subject, r.actor, r.details.get("fields")) for r in rows]


@pytest.fixture
def candidate_id(state):
    with audit.acting_as("user:1"), state.db.transaction() as session:
        org = Organization(name="Acme", slug=f"acme-{secrets.token_hex(3)}")
        session.add(org)
        session.flush()
        candidate = Candidate(organization_id=org.id, full_name="Ilse Marchetti-Brandt",
                              email="ilse@example.net")
        session.add(candidate)
        session.flush()
        return candidate.id


def test_create_read_update_delete_are_recorded_once_each(state, candidate_id):
    subject = f"candidate:{candidate_id}"
    with audit.acting_as("user:2"), state.db.transaction() as session:
        session.get(Candidate, candidate_id)
        session.expire_all()
        session.scalars(select(Candidate)).all()  # loaded again in the same transaction: no second entry
    with audit.acting_as("user:3"), state.db.transaction() as session:
        session.get(Candidate, candidate_id).language = "de"
    with audit.acting_as("user:3"), state.db.transaction() as session:
        session.delete(session.get(Candidate, candidate_id))

    assert _entries(state) == [
        ("access.create", subject, "user:1", None),
        ("access.read", subject, "user:2", None),
        ("access.read", subject, "user:3", None),
        ("access.update", subject, "user:3", ["language"]),
        ("access.read", subject, "user:3", None),
        ("access.delete", subject, "user:3", None),
    ]
    with state.db.transaction() as session:
        stored = " ".join(str(r.details) + r.subject for r in session.scalars(select(AuditEntry)))
    assert "Ilse" not in stored and "example.net" not in stored
    assert verify_database(state).ok


def test_a_read_is_recorded_even_when_the_transaction_rolls_back(state, candidate_id):
    session = state.db.session_factory()
    with audit.acting_as("token:9"):
        session.get(Candidate, candidate_id)
    session.close()  # no commit: the data was still seen
    assert _entries(state)[-1] == ("access.read", f"candidate:{candidate_id}", "token:9", None)


def test_a_change_that_rolls_back_leaves_no_entry(state, candidate_id):
    with pytest.raises(RuntimeError), audit.acting_as("user:4"), state.db.transaction() as session:
        session.get(Candidate, candidate_id).language = "fr"
        session.flush()
        raise RuntimeError("abandoned")
    assert [e[0] for e in _entries(state) if e[2] == "user:4"] == ["access.read"]


class Reader:
    """A throwaway plugin whose work handler reads a candidate."""

    @hookimpl
    def candor_declare(self):
        return PluginDeclaration(name="reader", title="Reader", capabilities=frozenset({"background_work"}))

    @hookimpl
    def candor_register_work_handlers(self, settings):
        return {"reader.look": self.look}

    def look(self, context):
        context.session.get(Candidate, context.payload["candidate_id"])


def test_work_is_attributed_to_the_system_job(candor_settings, candidate_id):
    app = create_app(candor_settings, plugins=[Reader()])
    state = get_state(app)
    try:
        with state.db.transaction() as session:
            item = enqueue(session, "reader.look", {"candidate_id": candidate_id})
        assert run(state, item.id) == "done"
        assert _entries(state)[-1] == ("access.read", f"candidate:{candidate_id}", "system:work:reader.look",
                                       None)
    finally:
        state.db.dispose()


def test_a_read_in_a_session_nested_in_a_writing_one_neither_blocks_nor_is_lost(state, candidate_id):
    import time

    started = time.monotonic()
    with audit.acting_as("user:5"), state.db.transaction() as outer:
        outer.add(Organization(name="Other", slug=f"other-{secrets.token_hex(3)}"))
        outer.flush()  # on SQLite the outer session now holds the write lock
        inner = state.db.session_factory()
        inner.get(Candidate, candidate_id)
        inner.close()  # its read entry cannot wait for the lock its own thread holds
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 10
    while ("access.read", f"candidate:{candidate_id}", "user:5", None) not in _entries(state):
        assert time.monotonic() < deadline, "the nested read was never recorded"
        time.sleep(0.05)
    assert verify_database(state).ok
