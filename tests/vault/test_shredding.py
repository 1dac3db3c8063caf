"""Crypto-shredding: after erasure nothing of the subject can be read, not even from a backup taken before."""

import os
import sqlite3

import pytest
from sqlalchemy import select, text, update

from candor.app import create_app
from candor.interviews.models import Candidate
from candor.state import get_state
from candor.vault import SubjectErased, get_vault, shred_subject
from candor.vault.keys import _context
from candor.vault.media import iter_media, store_media
from candor.vault.models import DataSubject


def _names(state, *ids):
    with state.db.transaction() as session:
        return [session.get(Candidate, i).full_name for i in ids]


def _subject(state, candidate_id):
    with state.db.transaction() as session:
        subject = session.get(Candidate, candidate_id).subject
        _ = subject.handle
        return subject


def test_shredding_makes_a_backup_taken_before_unreadable(state, candor_settings, add_candidate, tmp_path):
    erased_id = add_candidate(full_name="Erased Person", email="erased@example.org")
    kept_id = add_candidate(full_name="Kept Person", email="kept@example.org")
    erased = _subject(state, erased_id)
    media = os.urandom(300_000)
    store_media(state, erased, "answers/erased.webm", [media], chunk_size=64 * 1024)
    media_backup = state.storage.path_for("answers/erased.webm").read_bytes()

    # The backup, taken before the erasure: the SQLite file (online backup API), or for PostgreSQL the rows.
    sqlite_backup = tmp_path / "backup.db"
    if state.db.is_sqlite:
        with sqlite3.connect(state.db.engine.url.database) as live, sqlite3.connect(sqlite_backup) as copy:
            live.backup(copy)
    with state.db.engine.connect() as connection:
        row_backup = connection.execute(
            text("SELECT kek_id, wrapped_key FROM data_subjects WHERE id = :id"), {"id": erased.id}
        ).one()

    assert shred_subject(state, erased.id) is True
    assert shred_subject(state, erased.id) is False  # idempotent

    # Live: the subject's fields and media are gone for good; other subjects are untouched.
    with state.db.transaction() as session:
        with pytest.raises(SubjectErased):
            _ = session.get(Candidate, erased_id).full_name
        assert session.get(Candidate, kept_id).email == "kept@example.org"
        assert session.get(DataSubject, erased.id).wrapped_key is None
    with pytest.raises(SubjectErased):
        list(iter_media(state, erased, "answers/erased.webm"))

    # The backup still holds the wrapped database half, and the live key ring still unwraps it: destroying
    # only that row would not have been enough. The erasable half is what is gone.
    vault = get_vault(state)
    assert len(vault.provider.unwrap(row_backup.kek_id, bytes(row_backup.wrapped_key),
                                     _context(erased.handle))) == 32

    # Restore the backup.
    if state.db.is_sqlite:
        restored_app = create_app({**candor_settings, "database_url": f"sqlite:///{sqlite_backup}"})
    else:
        with state.db.engine.begin() as connection:
            connection.execute(update(DataSubject).where(DataSubject.id == erased.id).values(
                kek_id=row_backup.kek_id, wrapped_key=bytes(row_backup.wrapped_key), destroyed_at=None))
        restored_app = create_app(candor_settings)
    restored = get_state(restored_app)
    try:
        with restored.db.transaction() as session:
            subject = session.get(DataSubject, erased.id)
            assert subject.destroyed_at is None and subject.wrapped_key == bytes(row_backup.wrapped_key)
            with pytest.raises(SubjectErased):
                _ = session.get(Candidate, erased_id).full_name
            with pytest.raises(SubjectErased):
                _ = session.get(Candidate, erased_id).email
            assert session.get(Candidate, kept_id).full_name == "Kept Person"  # the backup works otherwise
            restored_subject = session.get(DataSubject, erased.id)
        state.storage.path_for("answers/erased.webm").write_bytes(media_backup)
        with pytest.raises(SubjectErased):
            list(iter_media(restored, restored_subject, "answers/erased.webm"))
    finally:
        restored.db.dispose()


def test_shredding_reaches_a_process_that_had_the_key_cached(state, candor_settings, add_candidate):
    candidate_id = add_candidate()
    other_app = create_app(candor_settings)  # another web process or worker
    other = get_state(other_app)
    try:
        assert _names(other, candidate_id) == ["Zofia Wiśniewska-Quill"]  # now cached there
        with state.db.transaction() as session:
            subject_id = session.scalar(select(Candidate.subject_id).where(Candidate.id == candidate_id))
        shred_subject(state, subject_id)
        with pytest.raises(SubjectErased):
            _names(other, candidate_id)
    finally:
        other.db.dispose()


def test_shredding_an_unknown_subject_says_so(state):
    with pytest.raises(LookupError, match="No data subject with id 999999"):
        shred_subject(state, 999999)
