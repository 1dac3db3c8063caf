"""Enqueueing, claiming, running and sweeping durable units of work.

The rules that make work survive crashes live here and nowhere else:
- a unit is written to the database in the transaction that causes it, and sent to the broker after commit;
- a worker claims it with one conditional UPDATE, so two workers never run it at once;
- the handler's writes and the ``done`` mark commit together, so a crash leaves either both or neither;
- a sweep re-sends units that the broker lost or that a dead worker held.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from candor.audit.context import acting_as
from candor.db import utcnow
from candor.tasks.models import WorkItem, WorkState
from candor.tasks.priority import Priority, call_at_priority

if TYPE_CHECKING:
    from candor.state import CandorState

log = logging.getLogger(__name__)

SQLITE_CONFLICT_RETRIES = 8
_DISPATCH_KEY = "candor.work.dispatch"
_DISPATCHER_KEY = "candor.work.dispatcher"


class UnknownWorkKind(LookupError):
    """No enabled plugin handles this kind of work."""


class _LostClaim(Exception):
    """Another worker took the unit over (our lease ran out) or it was cancelled while we ran it."""


@dataclass
class WorkContext:
    """What a handler receives: the unit's payload, a session whose writes commit with completion, and a
    way to renew the lease during long work.

    The session's transaction lasts until the unit completes. On SQLite its first write takes the database's
    single write lock until then, so a long handler should do its slow work (decoding, models) before it
    writes.
    """

    item_id: int
    kind: str
    payload: Mapping[str, Any]
    attempt: int
    session: Session
    _renew: Callable[[], None] = field(repr=False)

    def heartbeat(self) -> None:
        """Extend this unit's lease; call it now and then during work longer than the lease."""
        self._renew()


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def enqueue(
    session: Session,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
    subject: str | None = None,
    purpose: str | None = None,
    delay: float = 0.0,
) -> WorkItem:
    """Add a unit of work to ``session``; it is sent to the workers when the session commits.

    :param kind: ``"<plugin>.<verb>"``, handled by a ``candor_register_work_handlers`` handler.
    :param payload: ids and options, JSON-serialisable, never personal data.
    :param dedupe_key: when given, an existing unit with this key is returned instead of a new one.
    :param subject: whose personal data it processes (``candidate:42``) and ``purpose`` why: withdrawing
        consent for that purpose cancels it.
    :param delay: seconds before the unit may run (a retry's backoff); no worker claims it earlier.
    """
    state = _state_of(session)
    if state is not None and kind not in state.work_handlers:
        raise UnknownWorkKind(f"No enabled plugin handles work of kind {kind!r}.")
    body = dict(payload or {})
    json.dumps(body)  # fail here, in the caller, rather than in a worker
    if dedupe_key is not None:
        existing = session.scalar(select(WorkItem).where(WorkItem.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    item = WorkItem(kind=kind, payload=body, dedupe_key=dedupe_key, max_attempts=max_attempts,
                    state=WorkState.QUEUED, enqueued_at=utcnow(), subject_ref=subject, purpose=purpose,
                    not_before=utcnow() + timedelta(seconds=delay) if delay > 0 else None)
    session.add(item)
    session.flush()
    session.info.setdefault(_DISPATCH_KEY, []).append((item.id, max(0.0, delay)))
    if state is not None:
        session.info[_DISPATCHER_KEY] = state.dispatch
    return item


def _state_of(session: Session) -> CandorState | None:
    return session.info.get("candor.state")


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    pending = session.info.pop(_DISPATCH_KEY, None)
    dispatcher = session.info.get(_DISPATCHER_KEY)
    if pending and dispatcher is not None:
        dispatcher(pending)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_DISPATCH_KEY, None)


def run(state: CandorState, item_id: int) -> str:
    """Claim and run one unit; returns what happened (``done``, ``retry``, ``failed``, ``skipped``)."""
    me = worker_identity()
    item = _claim(state, item_id, me)
    if item is None:
        return "skipped"
    handler = state.work_handlers.get(item.kind)
    if handler is None:
        _finish_failed(state, item, me, f"No enabled plugin handles work of kind {item.kind!r}.", final=True)
        return "failed"

    def renew() -> None:
        with state.db.transaction() as s:
            s.execute(
                update(WorkItem)
                .where(WorkItem.id == item.id, WorkItem.claimed_by == me)
                .values(lease_until=utcnow() + timedelta(seconds=state.settings.work_lease_seconds))
            )

    session = state.db.session_factory()
    try:
        for conflicts_left in range(SQLITE_CONFLICT_RETRIES, -1, -1):
            try:
                _run_handler(session, handler, item, me, renew, state.settings.worker_cpu_priority)
                break
            except OperationalError as exc:
                # SQLite: another process committed while this transaction was reading, so it cannot write.
                # The handler is idempotent and its writes were rolled back: run it again at once.
                if not (state.db.is_sqlite and "locked" in str(exc.orig)) or not conflicts_left:
                    raise
                time.sleep(random.uniform(0.01, 0.2))  # noqa: S311 - jitter, not security
    except _LostClaim:
        log.warning("work %s (%s) was taken over or cancelled while running; its writes were rolled back",
                    item.id, item.kind)
        return "skipped"
    except Exception as exc:
        # The handler's message may quote data; logs get only the type, the database (access-controlled) more.
        log.warning("work %s (%s) attempt %s failed: %s", item.id, item.kind, item.attempts, type(exc).__name__)
        final = item.attempts >= item.max_attempts
        _finish_failed(state, item, me, f"{type(exc).__name__}: {str(exc)[:500]}", final=final)
        return "failed" if final else "retry"
    finally:
        session.close()
    return "done"


def _run_handler(session: Session, handler: Callable[[Any], Any], item: WorkItem, me: str,
                 renew: Callable[[], None], priority: Priority) -> None:
    with session.begin():
        context = WorkContext(item.id, item.kind, item.payload, item.attempts, session, renew)

        def work() -> Any:
            with acting_as(f"system:work:{item.kind}", via=f"work:{item.id}"):
                return handler(context)

        # The handler's work at the configured (lower) priority; marking it done and committing, which holds
        # the audit chain head, at this thread's normal one (candor.tasks.priority says why).
        result = call_at_priority(priority, work)
        marked = session.execute(
            update(WorkItem)
            .where(WorkItem.id == item.id, WorkItem.claimed_by == me, WorkItem.state == WorkState.RUNNING)
            .values(state=WorkState.DONE, finished_at=utcnow(), lease_until=None,
                    result=_jsonable(result), last_error=None)
        )
        if marked.rowcount != 1:
            raise _LostClaim()


def _claim(state: CandorState, item_id: int, me: str) -> WorkItem | None:
    now = utcnow()
    lease = now + timedelta(seconds=state.settings.work_lease_seconds)
    with state.db.transaction(immediate=True) as session:
        current = session.get(WorkItem, item_id)
        if current is None:
            return None
        claimable = or_(
            WorkItem.state == WorkState.QUEUED,
            and_(WorkItem.state == WorkState.RUNNING, WorkItem.lease_until < now),
        )
        if current.state == WorkState.RUNNING and _holder_is_dead(current.claimed_by):
            claimable = and_(WorkItem.state == WorkState.RUNNING, WorkItem.claimed_by == current.claimed_by)
        claimed = session.execute(
            update(WorkItem)
            .where(WorkItem.id == item_id, claimable,
                   or_(WorkItem.not_before.is_(None), WorkItem.not_before <= now))
            .values(state=WorkState.RUNNING, claimed_by=me, lease_until=lease, started_at=now,
                    attempts=WorkItem.attempts + 1)
        )
        if claimed.rowcount != 1:
            return None
        session.refresh(current)
        session.expunge(current)
        return current


def _finish_failed(state: CandorState, item: WorkItem, me: str, error: str, *, final: bool) -> None:
    delay = 0.0 if final else _backoff_seconds(item.attempts)
    with state.db.transaction(immediate=True) as session:
        values: dict[str, Any] = {"last_error": error, "lease_until": None, "claimed_by": None}
        if final:
            values.update(state=WorkState.FAILED, finished_at=utcnow())
        else:
            values.update(state=WorkState.QUEUED, enqueued_at=utcnow(),
                          not_before=utcnow() + timedelta(seconds=delay))
        session.execute(
            update(WorkItem).where(WorkItem.id == item.id, WorkItem.claimed_by == me).values(**values)
        )
    if not final:
        state.dispatch([(item.id, delay)])


def _backoff_seconds(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 2, 4, 8... seconds, at most five minutes."""
    return random.uniform(0.5, min(300.0, 2.0 ** attempt))  # noqa: S311 - jitter, not security


def _holder_is_dead(claimed_by: str | None) -> bool:
    """True when the claim belongs to a process on this machine that no longer exists."""
    if not claimed_by or ":" not in claimed_by:
        return False
    host, _, pid_text = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class SweepReport:
    recovered: list[int]  # running units whose worker died or whose lease ran out
    resent: list[int]  # queued units the broker may have lost

    @property
    def total(self) -> int:
        return len(self.recovered) + len(self.resent)


def sweep(state: CandorState, *, stale_after: float | None = None) -> SweepReport:
    """Put abandoned units back in the queue and re-send queued ones that waited too long.

    :param stale_after: seconds a queued unit may wait before it is sent again; the setting by default, 0 at
        worker start (whatever the broker held before the restart may be gone).
    """
    now = utcnow()
    stale = state.settings.work_stale_seconds if stale_after is None else stale_after
    recovered: list[int] = []
    resent: list[int] = []
    with state.db.transaction(immediate=True) as session:
        running = session.execute(
            select(WorkItem.id, WorkItem.claimed_by, WorkItem.lease_until).where(
                WorkItem.state == WorkState.RUNNING)
        ).all()
        for item_id, claimed_by, lease_until in running:
            if (lease_until is not None and lease_until < now) or _holder_is_dead(claimed_by):
                reset = session.execute(
                    update(WorkItem)
                    .where(WorkItem.id == item_id, WorkItem.claimed_by == claimed_by,
                           WorkItem.state == WorkState.RUNNING)
                    .values(state=WorkState.QUEUED, claimed_by=None, lease_until=None, enqueued_at=now)
                )
                if reset.rowcount == 1:
                    recovered.append(item_id)
        waiting = session.execute(
            select(WorkItem.id, WorkItem.enqueued_at).where(
                WorkItem.state == WorkState.QUEUED,
                WorkItem.enqueued_at <= now - timedelta(seconds=stale),
                or_(WorkItem.not_before.is_(None), WorkItem.not_before <= now),
            )
        ).all()
        for item_id, enqueued_at in waiting:
            # Guarded on the old timestamp so that two sweeping workers send it once between them.
            bumped = session.execute(
                update(WorkItem).where(WorkItem.id == item_id, WorkItem.enqueued_at == enqueued_at)
                .values(enqueued_at=now)
            )
            if bumped.rowcount == 1:
                resent.append(item_id)
    state.dispatch([(item_id, 0.0) for item_id in recovered + resent])
    if recovered or resent:
        log.info("sweep: recovered %d abandoned and re-sent %d waiting units of work", len(recovered), len(resent))
    return SweepReport(recovered, resent)


def cancel(session: Session, item_ids: Iterable[int], reason: str) -> int:
    """Cancel queued or running units (a running one's writes are rolled back when it tries to finish)."""
    result = session.execute(
        update(WorkItem)
        .where(WorkItem.id.in_(list(item_ids)), WorkItem.state.in_([WorkState.QUEUED, WorkState.RUNNING]))
        .values(state=WorkState.CANCELLED, finished_at=utcnow(), last_error=reason[:500])
    )
    return int(result.rowcount or 0)


def _jsonable(result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    value = result if isinstance(result, dict) else {"value": result}
    json.dumps(value)
    return value


def run_queued(state: CandorState, *, until: Callable[[], bool] | None = None, timeout: float = 600.0,
               on_run: Callable[[str, str], None] | None = None) -> list[tuple[str, str]]:
    """Run queued units in this process, oldest first, until none is left (or ``until()`` holds).

    For commands that work without a worker (``candor demo``) and for benchmarks. Units scheduled for later are
    waited for, not skipped. Returns ``(kind, outcome)`` per unit run.
    """
    ran: list[tuple[str, str]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until is not None and until():
            return ran
        now = utcnow()
        with state.db.transaction() as session:
            items = session.execute(
                select(WorkItem.id, WorkItem.kind, WorkItem.not_before)
                .where(WorkItem.state == WorkState.QUEUED).order_by(WorkItem.id)
            ).all()
        ready = [(item_id, kind) for item_id, kind, not_before in items if not_before is None or not_before <= now]
        if not items:
            return ran
        if not ready:
            time.sleep(0.1)
            continue
        for item_id, kind in ready:
            outcome = run(state, item_id)
            ran.append((kind, outcome))
            if on_run is not None:
                on_run(kind, outcome)
    raise TimeoutError(f"queued work did not finish within {timeout:.0f} s")
