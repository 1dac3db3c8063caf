"""Key-encryption-key rotation and the key status report.

Owns re-wrapping: a new KEK becomes active (new subjects use it at once), then every subject's database half
is unwrapped with its old KEK and wrapped with the new one, in batches, each batch in its own short
transaction. Data keys do not change, so no ciphertext is touched and reads go on throughout: a reader holding
a row from before its re-wrap unwraps it with the retired KEK, which stays usable. An interrupted rotation is
finished by running it again with ``new_key=False``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from candor.db import utcnow
from candor.vault.keys import get_vault
from candor.vault.models import DataSubject

if TYPE_CHECKING:
    from candor.state import CandorState


@dataclass(frozen=True)
class RotationReport:
    active_key_id: str
    rewrapped: int
    batches: int


def rotate(state: CandorState, *, new_key: bool = True, batch_size: int = 500,
           on_batch: Callable[[int], None] | None = None) -> RotationReport:
    """Introduce a new KEK (unless ``new_key`` is False); re-wrap every live subject under the active one."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    vault = get_vault(state)
    provider = vault.provider
    active = provider.rotate() if new_key else next(k.key_id for k in provider.list_keys() if k.state == "active")
    rewrapped = batches = 0
    last_id = 0
    while True:
        with state.db.transaction() as session:
            # SQLite: take the write lock at BEGIN. A deferred transaction that reads first cannot upgrade
            # once a concurrent reader has committed (audit entries of reads are writes).
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            subjects = session.scalars(
                select(DataSubject)
                .where(DataSubject.id > last_id, DataSubject.destroyed_at.is_(None),
                       DataSubject.kek_id != active)
                .order_by(DataSubject.id).limit(batch_size)
            ).all()
            if not subjects:
                break
            for subject in subjects:
                kek_id, wrapped = vault.rewrap(subject)
                # Guarded on the old wrapping: a subject erased or re-wrapped meanwhile is left alone.
                session.execute(
                    update(DataSubject)
                    .where(DataSubject.id == subject.id, DataSubject.kek_id == subject.kek_id,
                           DataSubject.destroyed_at.is_(None))
                    .values(kek_id=kek_id, wrapped_key=wrapped, rewrapped_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
                rewrapped += 1
            last_id = subjects[-1].id
        batches += 1
        if on_batch is not None:
            on_batch(rewrapped)
    return RotationReport(active, rewrapped, batches)


@dataclass(frozen=True)
class KeyStatus:
    provider: str
    keys: list[tuple[str, str, str, int]]  # (KEK id, state, created at, live subjects wrapped by it)
    erased: int
    unknown: dict[str, int]  # KEK ids in the database that the provider does not hold

    @property
    def pending(self) -> int:
        """Live subjects not yet under the active key (an unfinished rotation)."""
        behind = sum(count for _, state, _, count in self.keys if state != "active")
        return behind + sum(self.unknown.values())


def status(state: CandorState) -> KeyStatus:
    provider = get_vault(state).provider
    with state.db.transaction() as session:
        counts = dict(session.execute(
            select(DataSubject.kek_id, func.count()).where(DataSubject.destroyed_at.is_(None))
            .group_by(DataSubject.kek_id)
        ).all())
        erased = session.scalar(select(func.count()).where(DataSubject.destroyed_at.is_not(None))) or 0
    keys = [(k.key_id, k.state, k.created_at, int(counts.pop(k.key_id, 0))) for k in provider.list_keys()]
    return KeyStatus(provider.name, keys, int(erased), {str(k): int(v) for k, v in counts.items()})
