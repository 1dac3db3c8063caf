"""Checks that need more than one row: duplicates within the file and against what the database holds.

``SeenKeys`` remembers the keys of earlier rows in a temporary SQLite file rather than in memory, so that
checking a 100,000-row file takes the same memory as a 1,000-row one. It stores keyed digests (HMAC under a
key that lives only as long as the run), never values, and the file is deleted when the run ends.
``ExistingRecords`` asks the database in batches through the vault's blind indexes.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import phonenumbers
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from candor.imports.rows import Anomaly, CandidateRow, JobRow
from candor.interviews.models import Candidate
from candor.jobs.models import Job
from candor.state import CandorState
from candor.vault import get_vault
from candor.vault.blind_index import index_value

BATCH = 500
_PERSON_KEYS = ("external_ref", "email", "phone", "id_number")


class SeenKeys:
    """Keys of the rows read so far: ``(kind, value) -> (first row, person)``, on disk."""

    def __init__(self, folder: Path | None = None) -> None:
        self._key = secrets.token_bytes(32)
        self._dir = tempfile.TemporaryDirectory(prefix="candor-import-", dir=folder)
        os.chmod(self._dir.name, 0o700)
        self._db = sqlite3.connect(Path(self._dir.name) / "seen.db", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-4096")  # 4 MiB: the bound on this store's memory
        self._db.execute("CREATE TABLE seen (key BLOB PRIMARY KEY, row INTEGER, person BLOB) WITHOUT ROWID")
        self._db.execute("BEGIN")

    def digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self._key, f"{kind}|{value}".encode(), hashlib.sha256).digest()[:16]

    def remember(self, key: bytes, row: int, person: bytes) -> tuple[int, bytes] | None:
        """Remember ``key`` for ``row`` unless an earlier row has it; return that earlier row and person."""
        cursor = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (key, row, person))
        if cursor.rowcount:
            return None
        found = self._db.execute("SELECT row, person FROM seen WHERE key = ?", (key,)).fetchone()
        return (int(found[0]), bytes(found[1])) if found else None

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


def candidate_duplicates(seen: SeenKeys, row: CandidateRow, job_key: str) -> list[Anomaly]:
    """A repeated application (same person, same job) or a contact detail shared by two different people."""
    if row.external_ref is None:
        return []
    person = seen.digest("person", row.external_ref)
    found: list[Anomaly] = []
    for kind in _PERSON_KEYS[1:]:
        value = getattr(row, kind)
        if value is None:
            continue
        earlier = seen.remember(seen.digest(kind, value), row.row, person)
        if earlier is not None and earlier[1] != person:
            found.append(Anomaly(row.row, kind, "duplicate",
                                 f"{kind} also appears in row {earlier[0]} for a different person"))
    earlier = seen.remember(seen.digest("application", f"{row.external_ref}|{job_key}"), row.row, person)
    if earlier is not None:
        found.append(Anomaly(row.row, "external_ref", "duplicate",
                             f"the same person applies to the same job in row {earlier[0]}"))
    return found


def job_duplicates(seen: SeenKeys, row: JobRow) -> list[Anomaly]:
    if row.external_ref is None:
        return []
    earlier = seen.remember(seen.digest("job", row.external_ref), row.row, b"")
    if earlier is None:
        return []
    return [Anomaly(row.row, "external_ref", "duplicate", f"external_ref repeats row {earlier[0]}")]


class ExistingRecords:
    """What the organisation already has: its jobs by external id, its candidates by blind index."""

    def __init__(self, state: CandorState, session: Session, organization_id: int) -> None:
        self.session = session
        self.organization_id = organization_id
        self._index_key = get_vault(state).index_key()
        self.jobs = jobs_by_ref(session, organization_id)

    def _index(self, kind: str, value: str | None) -> str | None:
        return index_value(self._index_key, kind, value) if value else None

    def _phone_indexes(self, value: str | None) -> list[str]:
        """A phone is stored as its source wrote it: look for the international and the national digits."""
        if not value:
            return []
        forms = {value}
        with contextlib.suppress(phonenumbers.NumberParseException):
            forms.add(str(phonenumbers.parse(value).national_number))
        return [index for form in forms if (index := self._index("phone", form))]

    def check_candidates(self, rows: Sequence[CandidateRow]) -> dict[int, tuple[str, list[Anomaly]]]:
        """For each row: ``("existing", [])`` when its id is known, ``("new", [])``, or the anomalies of a
        contact detail that belongs to a different candidate already."""
        wanted: dict[str, set[str]] = {"external_ref": set(), "email": set(), "phone": set()}
        keys: dict[int, dict[str, list[str]]] = {}
        for row in rows:
            per_row = {"external_ref": [i for i in [self._index("external_id", row.external_ref)] if i],
                       "email": [i for i in [self._index("email", row.email)] if i],
                       "phone": self._phone_indexes(row.phone)}
            keys[row.row] = per_row
            for kind, indexes in per_row.items():
                wanted[kind].update(indexes)
        owners = self._owners(wanted)
        result: dict[int, tuple[str, list[Anomaly]]] = {}
        for row in rows:
            per_row = keys[row.row]
            ref_owner = next((owners["external_ref"][i] for i in per_row["external_ref"]
                              if i in owners["external_ref"]), None)
            anomalies = []
            for kind in ("email", "phone"):
                owner = next((owners[kind][i] for i in per_row[kind] if i in owners[kind]), None)
                if owner is not None and owner != ref_owner:
                    anomalies.append(Anomaly(row.row, kind, "duplicate_existing",
                                             f"{kind} belongs to an existing candidate (candidate {owner}) "
                                             "with a different external_ref"))
            result[row.row] = ("existing" if ref_owner is not None else "new", anomalies)
        return result

    def _owners(self, wanted: dict[str, set[str]]) -> dict[str, dict[str, int]]:
        columns = {"external_ref": Candidate.external_ref_index, "email": Candidate.email_index,
                   "phone": Candidate.phone_index}
        owners: dict[str, dict[str, int]] = {kind: {} for kind in columns}
        conditions = [columns[kind].in_(sorted(values)) for kind, values in wanted.items() if values]
        if not conditions:
            return owners
        # Columns, not Candidate objects: nothing is decrypted and no personal field is read.
        query = select(Candidate.id, Candidate.external_ref_index, Candidate.email_index,
                       Candidate.phone_index) \
            .where(Candidate.organization_id == self.organization_id, or_(*conditions))
        for candidate_id, ref_index, email_index, phone_index in self.session.execute(query):
            for kind, index in (("external_ref", ref_index), ("email", email_index), ("phone", phone_index)):
                if index is not None and index in wanted[kind]:
                    owners[kind].setdefault(index, candidate_id)
        return owners


def jobs_by_ref(session: Session, organization_id: int) -> dict[str, int]:
    """The organisation's jobs by their HR system's id (a few hundred at most; kept in memory)."""
    query = select(Job.external_ref, Job.id).where(Job.organization_id == organization_id,
                                                   Job.external_ref.is_not(None))
    return {str(ref): int(job_id) for ref, job_id in session.execute(query)}


def batched(items: Iterable[object], size: int = BATCH) -> Iterable[list[object]]:
    batch: list[object] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
