"""The data-subject table: one row per person whose personal data Candor holds (candidate, employee).

Owns the database half of each subject's data key (wrapped by a key-encryption key, with that key's id), the
random handle that names the subject to the key provider, and the moment the subject was erased. Personal
rows refer to their subject by id; they never hold key material themselves.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from candor.db import Base, utcnow


class SubjectKind(StrEnum):
    CANDIDATE = "candidate"
    EMPLOYEE = "employee"


class DataSubject(Base):
    __tablename__ = "data_subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, never reused; names the subject's secret at the key provider; bound into every ciphertext.
    handle: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[SubjectKind] = mapped_column(String(20))
    #: Which key-encryption key wrapped ``wrapped_key``; NULL once erased.
    kek_id: Mapped[str | None] = mapped_column(String(64), index=True)
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rewrapped_at: Mapped[datetime | None]
    destroyed_at: Mapped[datetime | None] = mapped_column(index=True)

    @property
    def erased(self) -> bool:
        return self.destroyed_at is not None
