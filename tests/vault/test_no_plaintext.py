"""The grep test: after an interview is stored, no plaintext personal data is in the database or media."""

import os
from pathlib import Path

from sqlalchemy import MetaData, select, text

from candor.interviews.models import Answer, Candidate, Interview, Question
from candor.jobs.models import Job
from candor.vault.media import store_media

NAME, EMAIL = "Bartholomew Quennell-Okafor", "Bart.Quennell@example.net"
PHONE, REF = "+44 7700 900461", "WD-88213"


def _needles():
    variants = {NAME, EMAIL, EMAIL.lower(), PHONE, "447700900461", "7700 900461", REF, "Quennell", "Okafor"}
    needles = set()
    for value in variants:
        needles |= {value.encode("utf-8"), value.encode("utf-16-le"), value.lower().encode("utf-8")}
    return needles


def test_no_plaintext_in_database_or_media(state, org_id):
    with state.db.transaction() as session:
        job = Job(organization_id=org_id, title="Engineer", location="remote")
        candidate = Candidate(organization_id=org_id, full_name=NAME, email=EMAIL, phone=PHONE,
                              external_ref=REF)
        session.add_all([job, candidate])
        session.flush()
        question = Question(job_id=job.id, position=1, text="Tell us about a hard problem.")
        interview = Interview(job_id=job.id, candidate_id=candidate.id)
        session.add_all([question, interview])
        session.flush()
        session.add(Answer(interview_id=interview.id, question_id=question.id, media_key="answers/1/1.webm"))
        subject = candidate.subject
    # A "recording" that contains the candidate saying their details, as real answers do.
    spoken = (f"Hello, I am {NAME}, e-mail {EMAIL}, phone {PHONE}. ".encode() * 2000) + os.urandom(100_000)
    store_media(state, subject, "answers/1/1.webm", [spoken], chunk_size=64 * 1024)

    needles = _needles()
    if state.db.is_sqlite:
        with state.db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        database_file = state.db.engine.url.database
        raw = b"".join(Path(path).read_bytes() for path in (database_file, database_file + "-wal")
                       if os.path.exists(path))
        assert len(raw) > 10_000
        assert [n for n in needles if n in raw] == []
    # Every value of every table, as the database returns it (PostgreSQL has no single file to read).
    metadata = MetaData()
    metadata.reflect(state.db.engine)
    with state.db.engine.connect() as connection:
        dumped = repr([connection.execute(select(table)).all() for table in metadata.sorted_tables]).encode()
        assert b"Engineer" in dumped  # the dump does hold the non-personal data
        assert connection.execute(text("SELECT count(*) FROM candidates")).scalar() == 1
    assert [n for n in needles if n in dumped] == []

    media_root = state.storage.root
    files = [p for p in media_root.rglob("*") if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        assert [n for n in needles if n in content] == []
    with state.db.transaction() as session:  # and yet everything reads back
        assert session.scalars(select(Candidate)).one().email == EMAIL
