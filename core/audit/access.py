"""Automatic access entries for personal data: every model with a column marked ``info={"personal": True}``
(today ``Candidate``) records reads (ORM load and refresh) and creates, updates and deletes (from the flush).

One entry per object per action per transaction keeps a list page from flooding the log. The subject is the
model name and primary key (``candidate:42``); update entries name the changed columns, never their values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session, UOWTransaction

from candor.audit.chain import note_access

_personal: dict[type, bool] = {}


def is_personal(cls: type) -> bool:
    known = _personal.get(cls)
    if known is None:
        mapper: Mapper[Any] | None = inspect(cls, raiseerr=False)
        known = mapper is not None and any(column.info.get("personal") for column in mapper.columns)
        _personal[cls] = known
    return known


def subject_of(instance: Any) -> str:
    # The mapper reads the key off the instance: during the flush a new object has it, but no identity yet.
    identity = inspect(instance).mapper.primary_key_from_instance(instance)
    key = ":".join(str(part) for part in identity) if all(p is not None for p in identity) else "new"
    return f"{type(instance).__name__.lower()}:{key}"


@event.listens_for(Mapper, "load")
def _loaded(target: Any, context: Any) -> None:
    if is_personal(type(target)) and context.session is not None:
        note_access(context.session, "access.read", subject_of(target), durable=True, details={})


@event.listens_for(Mapper, "refresh")
def _refreshed(target: Any, context: Any, _attrs: Any) -> None:
    _loaded(target, context)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context: UOWTransaction) -> None:
    for instance in session.new:
        if is_personal(type(instance)):
            note_access(session, "access.create", subject_of(instance), durable=False, details={})
    for instance in session.dirty:
        if is_personal(type(instance)) and session.is_modified(instance, include_collections=False):
            state = inspect(instance)
            changed = sorted(attr.key for attr in state.attrs if attr.history.has_changes())
            note_access(session, "access.update", subject_of(instance), durable=False,
                        details={"fields": changed})
    for instance in session.deleted:
        if is_personal(type(instance)):
            note_access(session, "access.delete", subject_of(instance), durable=False, details={})
