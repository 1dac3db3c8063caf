"""Encrypted personal fields of models: the column type, the attribute that reads and writes plaintext, and
the flush hook that seals values with their subject's data key.

Design. A personal field is two things on the model:

- a mapped column ``<name>_sealed`` of type ``SealedBytes`` (named ``<name>`` in the table), which holds only
  sealed values and refuses anything else, so that plaintext cannot reach it by mistake;
- an ``Encrypted()`` attribute ``<name>`` through which code reads and writes plaintext.

Writing ``candidate.email = "..."`` keeps the plaintext on the instance; the ``before_flush`` hook seals it
when the session flushes. Sealing happens there because that is the first moment the session, the app's
vault and the row's subject are all known. The associated data binds each ciphertext to its table, column,
row and subject, so a value copied to another row or column fails to open. The row is named by ``uid``, a
random id the hook gives a new row before its first insert, because the primary key does not exist yet.
A row without a subject gets a new one (``__vault_subject_kind__``). With ``index=`` the hook also keeps
``<name>_index``, the blind index used for exact-match lookups (see ``lookup``).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from sqlalchemy import LargeBinary, Select, event, inspect, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.types import TypeDecorator

from candor.vault.aead import VaultError, is_sealed, open_sealed, seal
from candor.vault.blind_index import index_value, normalise
from candor.vault.keys import Vault, get_vault
from candor.vault.models import DataSubject

_PENDING = object()  # marks plaintext set but not sealed yet
_PLAIN = "_candor_plaintext"


class SealedBytes(TypeDecorator[bytes]):
    """A column that stores sealed values only (``candor.vault.aead`` layout)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        if not isinstance(value, bytes) or not is_sealed(value):
            raise VaultError("A value that is not sealed reached an encrypted column. Set the model's "
                             "personal attribute (e.g. candidate.email), which encrypts on flush.")
        return value


class Encrypted:
    """The plaintext face of a ``<name>_sealed`` column; see the module docstring."""

    registry: ClassVar[dict[type, list[Encrypted]]] = {}

    def __init__(self, *, index: str | None = None) -> None:
        if index is not None:
            normalise(index, "")  # fail at import on an unknown kind
        self.index = index

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.sealed_attr = f"{name}_sealed"
        self.index_attr = f"{name}_index" if self.index else None
        Encrypted.registry.setdefault(owner, []).append(self)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        cache: dict[str, tuple[Any, str | None]] = obj.__dict__.setdefault(_PLAIN, {})
        entry = cache.get(self.name)
        if entry is not None and entry[0] is _PENDING:
            return entry[1]
        sealed = getattr(obj, self.sealed_attr)
        if entry is not None and entry[0] == sealed:
            return entry[1]
        if sealed is None:
            return None
        plaintext = open_sealed(_vault_of(obj).data_key(_subject_of(obj)), sealed,
                                self.associated_data(obj)).decode("utf-8")
        cache[self.name] = (sealed, plaintext)
        return plaintext

    def __set__(self, obj: Any, value: str | None) -> None:
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{type(obj).__name__}.{self.name} takes text, not {type(value).__name__}.")
        obj.__dict__.setdefault(_PLAIN, {})[self.name] = (_PENDING, value)
        state = inspect(obj)
        if state.persistent:  # a changed persistent row must be in session.dirty for the flush hook to see it
            getattr(obj, self.sealed_attr)
            flag_modified(obj, self.sealed_attr)

    def associated_data(self, obj: Any) -> bytes:
        column = inspect(type(obj)).attrs[self.sealed_attr].columns[0].name
        if not obj.uid:
            raise VaultError(f"{type(obj).__name__} has no uid yet; personal fields are sealed on flush.")
        return "|".join(("candor.field.v1", obj.__table__.name, column, obj.uid,
                         _subject_of(obj).handle)).encode()

    def seal_pending(self, obj: Any, vault: Vault) -> None:
        cache = obj.__dict__.get(_PLAIN, {})
        entry = cache.get(self.name)
        if entry is None or entry[0] is not _PENDING:
            return
        plaintext = entry[1]
        sealed = None
        if plaintext is not None:
            key = vault.data_key(_subject_of(obj))
            sealed = seal(key, plaintext.encode("utf-8"), self.associated_data(obj))
        setattr(obj, self.sealed_attr, sealed)
        if self.index_attr is not None and self.index is not None:
            setattr(obj, self.index_attr, index_value(vault.index_key(), self.index, plaintext))
        cache[self.name] = (sealed, plaintext)


def _vault_of(obj: Any) -> Vault:
    session = object_session(obj)
    state = session.info.get("candor.state") if session is not None else None
    if state is None:
        from flask import has_app_context

        from candor.state import get_state

        if not has_app_context():
            raise VaultError(f"{type(obj).__name__} is not in a Candor session and no app is active, so its "
                             "personal fields cannot be decrypted. Load it through the app's database.")
        state = get_state()
    return get_vault(state)


def _subject_of(obj: Any) -> DataSubject:
    subject = obj.subject
    if subject is None and obj.subject_id is not None:
        session = object_session(obj)
        subject = session.get(DataSubject, obj.subject_id) if session is not None else None
    if subject is None:
        raise VaultError(f"{type(obj).__name__} has no data subject; it gets one when first flushed.")
    return subject  # type: ignore[no-any-return]


@event.listens_for(Session, "before_flush")
def _seal_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    touched = [obj for obj in (*session.new, *session.dirty) if type(obj) in Encrypted.registry]
    if not touched:
        return
    state = session.info.get("candor.state")
    if state is None:
        raise VaultError("This session does not belong to a Candor app, so personal fields cannot be sealed. "
                         "Use the app's database (get_state(app).db).")
    vault = get_vault(state)
    for obj in touched:
        if not obj.uid:
            obj.uid = uuid.uuid4().hex
        if obj.subject is None and obj.subject_id is None:
            subject = vault.new_subject(type(obj).__vault_subject_kind__)
            session.add(subject)
            obj.subject = subject
        for field in Encrypted.registry[type(obj)]:
            field.seal_pending(obj, vault)


def lookup(session: Session, model: type, name: str, value: str) -> Select[Any]:
    """A query for rows whose personal field ``name`` equals ``value``, through its blind index."""
    field = next((f for f in Encrypted.registry.get(model, []) if f.name == name), None)
    if field is None or field.index is None or field.index_attr is None:
        raise ValueError(f"{model.__name__}.{name} has no blind index; only indexed fields can be looked up.")
    state = session.info.get("candor.state")
    if state is None:
        raise VaultError("Lookups need a session of a Candor app (get_state(app).db).")
    wanted = index_value(get_vault(state).index_key(), field.index, value)
    return select(model).where(getattr(model, field.index_attr) == wanted)
