"""Recording entries and appending them to the hash chain, one head under any number of processes.

``record`` queues an entry on the caller's session; the session's commit appends the queue in the same
transaction, so an entry about a change commits or rolls back with the change. Entries about a disclosure or
an attempt (reads, denials, failures) are *durable*: if the caller's transaction does not commit they are
appended in a transaction of their own, because the data was seen, or the attempt made, either way.

Appending locks the one head row (``audit_chain_head``), so the head read next is the real head and no two
appends fork the chain. On SQLite the append updates the head (taking the database write lock) and inserts the
entries at commit time. On PostgreSQL the entries are staged in the transaction without a lock, and a trigger
chains them as it commits (migration ``0017_audit_staging``): the head's row lock is then held only while the
commit reaches the disk, with no round trip to this process in between, because every process that appends
waits for it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, insert, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransaction

from candor.audit.context import check_actor, current_context
from candor.audit.models import HEAD_ROW_ID, AuditChainHead, AuditEntry, audit_staging
from candor.audit.verify import canonical, entry_cut, entry_hash
from candor.db import utcnow

log = logging.getLogger(__name__)

KINDS = ("access", "consent", "auth", "admin", "policy", "plugin", "audit", "system")
OUTCOMES = ("success", "failure", "denied", "error")
ACTION_PATTERN = re.compile(rf"^({'|'.join(KINDS)})\.[a-z][a-z0-9_]{{0,60}}$")
SUBJECT_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,40}(:[A-Za-z0-9_.-]{1,64}){1,4}$")
PURPOSE_PATTERN = re.compile(r"^[a-z][a-z0-9_.:-]{0,99}$")
DETAIL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Keys that name personal data: refused so that no caller writes such values into an append-only log.
PERSONAL_KEYS = frozenset({"email", "e_mail", "mail", "name", "full_name", "first_name", "last_name", "phone",
                           "mobile", "address", "ip", "ip_address", "birth_date", "birthday", "password",
                           "token", "secret", "text", "transcript", "resume"})
EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_DETAILS_BYTES = 2000

_PENDING = "candor.audit.pending"
_APPENDED = "candor.audit.appended"  # appended in the open transaction, not yet committed
_WROTE = "candor.audit.wrote"  # the open transaction changed rows (reads alone are appended on their own)
_SEEN = "candor.audit.seen"
_SQLITE_TRY_MS = 250
_SQLITE_WAIT_MS = 30000  # the engine's usual busy timeout (candor.db.engine)


class AuditError(ValueError):
    """An entry cannot be recorded as given; the message says which field and what is allowed."""


@dataclass(frozen=True)
class PendingEntry:
    actor: str
    action: str
    subject: str
    purpose: str
    outcome: str
    details: dict[str, Any]
    durable: bool


def record(
    session: Session,
    action: str,
    subject: str,
    *,
    purpose: str | None = None,
    outcome: str = "success",
    details: Mapping[str, Any] | None = None,
    actor: str | None = None,
) -> None:
    """Queue an audit entry; it is appended to the chain when ``session`` commits.

    :param action: ``<kind>.<verb>``, kind one of ``KINDS`` (``access.read``, ``consent.withdraw``...).
    :param subject: what it concerns, by id: ``candidate:42``, ``user:7``, ``user:unknown``.
    :param purpose: why (a ``candor.declarations.Purpose`` value, ``administration``, ``security``...);
        the acting context's purpose by default.
    :param outcome: ``success``, ``failure``, ``denied`` or ``error``. Entries that are not ``success``
        are appended even if the session rolls back.
    :param details: a small object of ids, counts and codes; never personal data.
    :param actor: who acted; the acting context's actor by default (set from the request or the worker).
    """
    session.info.setdefault(_PENDING, []).append(
        make_entry(action, subject, purpose=purpose, outcome=outcome, details=details, actor=actor,
                   durable=outcome != "success"))


def note_access(
    session: Session, action: str, subject: str, *, durable: bool, details: Mapping[str, Any]
) -> None:
    """Queue an automatic access entry once per (action, subject) per transaction."""
    seen: set[tuple[str, str]] = session.info.setdefault(_SEEN, set())
    if (action, subject) in seen:
        return
    seen.add((action, subject))
    session.info.setdefault(_PENDING, []).append(
        make_entry(action, subject, details=details, durable=durable))


def make_entry(
    action: str,
    subject: str,
    *,
    purpose: str | None = None,
    outcome: str = "success",
    details: Mapping[str, Any] | None = None,
    actor: str | None = None,
    durable: bool = False,
) -> PendingEntry:
    context = current_context()
    if not ACTION_PATTERN.match(action):
        raise AuditError(f"Audit action {action!r} must be '<kind>.<verb>', kind one of {', '.join(KINDS)}.")
    if not SUBJECT_PATTERN.match(subject):
        raise AuditError(f"Audit subject {subject!r} must be a reference by id such as 'candidate:42'.")
    purpose = purpose or context.purpose
    if not PURPOSE_PATTERN.match(purpose):
        raise AuditError(f"Audit purpose {purpose!r} must be a lower-case name such as 'recruitment'.")
    if outcome not in OUTCOMES:
        raise AuditError(f"Audit outcome {outcome!r} must be one of {', '.join(OUTCOMES)}.")
    try:
        who = check_actor(actor or context.actor)
    except ValueError as exc:
        raise AuditError(str(exc)) from None
    body = dict(details or {})
    if context.via and "via" not in body:
        body["via"] = context.via
    check_details(body)
    return PendingEntry(who, action, subject, purpose, outcome, body, durable)


def check_details(details: Mapping[str, Any]) -> None:
    """Details are ids, codes and counts: short values, no personal-looking keys or e-mail addresses."""
    for key, value in details.items():
        if not isinstance(key, str) or not DETAIL_KEY.match(key):
            raise AuditError(f"Audit detail key {key!r} must be a lower-case identifier.")
        if key in PERSONAL_KEYS:
            raise AuditError(f"Audit detail {key!r} would hold personal data; record ids instead.")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, float):
                raise AuditError(f"Audit detail {key!r}: floats have no canonical form; use ints or text.")
            if item is not None and not isinstance(item, str | int):
                raise AuditError(f"Audit detail {key!r} must be text, an integer, a boolean, null or a list.")
            if isinstance(item, str) and (len(item) > 200 or EMAIL_LIKE.search(item)):
                raise AuditError(f"Audit detail {key!r} is too long or looks like an e-mail address.")
    if len(canonical(details)) > MAX_DETAILS_BYTES:
        raise AuditError(f"Audit details exceed {MAX_DETAILS_BYTES} bytes; record references, not content.")


def format_time(moment: datetime) -> str:
    """The entry time as it is hashed: UTC, microseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lock_head(connection: Connection, now: datetime) -> tuple[int, str]:
    """Take the chain lock for the rest of the transaction and return the head (seq, hash), with the entries
    this transaction has staged (PostgreSQL) chained first."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET CONSTRAINTS audit_staging_chain IMMEDIATE"))
    head = connection.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ROW_ID).values(updated_at=now)
        .returning(AuditChainHead.seq, AuditChainHead.hash)
    ).first()
    if head is None:
        raise RuntimeError("The audit chain head row is missing; run 'candor db upgrade' (0003_audit).")
    return int(head.seq), str(head.hash)


def append(connection: Connection, entries: Sequence[PendingEntry]) -> None:
    """Append ``entries`` after the current head, inside ``connection``'s transaction."""
    if not entries:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(insert(audit_staging), [staged(pending) for pending in entries])
        return
    now = utcnow()
    seq, prev = lock_head(connection, now)
    # Read the clock again under the lock, so that times never go backwards along the chain on one host.
    now = utcnow()
    time = format_time(now)
    rows = []
    for pending in entries:
        seq += 1
        body = {"seq": seq, "time": time, "actor": pending.actor, "action": pending.action,
                "subject": pending.subject, "purpose": pending.purpose, "outcome": pending.outcome,
                "details": pending.details, "prev_hash": prev}
        prev = entry_hash(body)
        rows.append({"seq": seq, "recorded_at": now, "actor": pending.actor, "action": pending.action,
                     "subject": pending.subject, "purpose": pending.purpose, "outcome": pending.outcome,
                     "details": pending.details, "prev_hash": body["prev_hash"], "hash": prev})
    connection.execute(insert(AuditEntry), rows)
    connection.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ROW_ID).values(seq=seq, hash=prev))


def staged(pending: PendingEntry) -> dict[str, Any]:
    """An entry as staged on PostgreSQL: its fields, and its canonical form cut where the chain's values go."""
    fields = {"actor": pending.actor, "action": pending.action, "subject": pending.subject,
              "purpose": pending.purpose, "outcome": pending.outcome, "details": pending.details}
    before_prev, before_seq, before_time = entry_cut(fields)
    return {**fields, "before_prev": before_prev, "before_seq": before_seq, "before_time": before_time}


def append_pending(session: Session) -> None:
    """Append what ``session`` has queued now, in its transaction (the chain stays locked until it ends)."""
    session.flush()  # changes to personal data queue their entries when flushed
    pending: list[PendingEntry] = session.info.get(_PENDING) or []
    if not pending:
        return
    append(session.connection(), pending)
    session.info.setdefault(_APPENDED, []).extend(pending)
    session.info[_PENDING] = []


def append_independently(session: Session, entries: Sequence[PendingEntry]) -> None:
    """Append in a transaction of its own. On SQLite another session of this same thread may hold the write
    lock (a session opened inside another's transaction): waiting here would wait for ourselves, so after a
    short try the append is handed to a thread that waits for the lock like any other process would."""
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection, connection.begin():
            append(connection, entries)
        return
    try:
        with engine.connect() as connection:
            # On the driver's connection: through SQLAlchemy the pragma would open a transaction first.
            driver = connection.connection.dbapi_connection
            driver.execute(f"PRAGMA busy_timeout={_SQLITE_TRY_MS}")
            try:
                with connection.begin():
                    append(connection, entries)
            finally:
                driver.execute(f"PRAGMA busy_timeout={_SQLITE_WAIT_MS}")
    except OperationalError:
        worker = threading.Thread(target=_append_later, args=(engine, list(entries)),
                                  name="candor-audit-append")
        worker.start()  # not a daemon: the interpreter waits for it before exiting


def _append_later(engine: Any, entries: list[PendingEntry]) -> None:
    try:
        with engine.connect() as connection, connection.begin():
            append(connection, entries)
    except Exception as exc:
        log.error("could not append %d audit entries: %s", len(entries), type(exc).__name__)


@event.listens_for(Session, "after_flush")
def _note_flushed_writes(session: Session, _context: Any) -> None:
    if session.new or session.dirty or session.deleted:  # still the flushed objects during after_flush
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement_writes(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "before_commit")
def _append_before_commit(session: Session) -> None:
    if not (session.info.get(_PENDING) or session.new or session.dirty or session.deleted):
        return
    session.flush()
    if not session.info.get(_WROTE) and _is_sqlite(session) and not _holds_write_lock(session):
        # Only reads to record. On SQLite this transaction's read snapshot cannot become a write once another
        # process has committed since it began ("database is locked" at once), and the reads happened whatever
        # becomes of it: the entries go in a transaction of their own.
        pending: list[PendingEntry] = session.info.pop(_PENDING, None) or []
        if pending:
            append_independently(session, pending)
        return
    append_pending(session)


def _holds_write_lock(session: Session) -> bool:
    """Whether the transaction began with the write lock (``candor.db.Database.lock_for_write``)."""
    return session.connection().get_execution_options().get("sqlite_begin") in ("IMMEDIATE", "EXCLUSIVE")


def _is_sqlite(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "sqlite"


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    session.info.pop(_APPENDED, None)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_SEEN, None)
    session.info.pop(_WROTE, None)
    # Whatever was appended in a transaction that did not commit is gone with it; durable entries come back.
    pending: list[PendingEntry] = session.info.pop(_APPENDED, None) or []
    pending += session.info.pop(_PENDING, None) or []
    durable = [entry for entry in pending if entry.durable]
    if not durable:
        return
    try:
        append_independently(session, durable)
    except Exception as exc:  # never break the caller's teardown; the type says enough, the data stays out
        log.error("could not append %d audit entries after the transaction ended: %s", len(durable),
                  type(exc).__name__)
