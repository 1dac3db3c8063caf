"""Encrypted candidate fields: round trip, associated-data binding, blind-index lookups, no plaintext."""

import pytest
from sqlalchemy import select, text

from candor.interviews.models import Candidate
from candor.vault import DecryptionError, VaultError, lookup


def test_fields_round_trip_and_update(state, add_candidate):
    candidate_id = add_candidate()
    with state.db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate.full_name == "Zofia Wiśniewska-Quill"
        assert candidate.email == "Zofia.Quill@example.org"
        assert candidate.phone == "+48 601 234 987"
        assert candidate.external_ref == "ATS-77120"
        candidate.phone = "+48 700 000 111"
        candidate.email = None
    with state.db.transaction() as session:
        candidate = session.get(Candidate, candidate_id)
        assert candidate.phone == "+48 700 000 111"
        assert candidate.email is None and candidate.email_index is None
        assert session.scalars(lookup(session, Candidate, "phone", "48700000111")).one().id == candidate_id


def _raw(state, column, candidate_id):
    with state.db.engine.connect() as connection:
        return connection.execute(text(f"SELECT {column} FROM candidates WHERE id = :id"),
                                  {"id": candidate_id}).scalar_one()


def _put_raw(state, column, candidate_id, value):
    with state.db.engine.begin() as connection:
        connection.execute(text(f"UPDATE candidates SET {column} = :v WHERE id = :id"),
                           {"v": value, "id": candidate_id})


def test_ciphertext_copied_to_another_row_of_the_same_subject_fails(state, add_candidate):
    first = add_candidate()
    with state.db.transaction() as session:
        subject_id = session.get(Candidate, first).subject_id
    # A second application by the same person: same subject, same data key, another row.
    second = add_candidate(email="other@example.org", subject_id=subject_id)
    _put_raw(state, "email", second, bytes(_raw(state, "email", first)))
    with state.db.transaction() as session:
        candidate = session.get(Candidate, second)
        with pytest.raises(DecryptionError, match="another row, column or subject"):
            _ = candidate.email
        assert candidate.full_name == "Zofia Wiśniewska-Quill"  # its own values still open


def test_ciphertext_copied_to_another_column_fails(state, add_candidate):
    candidate_id = add_candidate()
    _put_raw(state, "phone", candidate_id, bytes(_raw(state, "email", candidate_id)))
    with state.db.transaction() as session, pytest.raises(DecryptionError):
        _ = session.get(Candidate, candidate_id).phone


def test_ciphertext_copied_to_another_subject_fails(state, add_candidate):
    first, second = add_candidate(), add_candidate(full_name="Someone Else")
    _put_raw(state, "full_name", second, bytes(_raw(state, "full_name", first)))
    with state.db.transaction() as session, pytest.raises(DecryptionError):
        _ = session.get(Candidate, second).full_name


def test_plaintext_cannot_reach_an_encrypted_column(state, org_id):
    with state.db.transaction() as session:
        candidate = Candidate(organization_id=org_id, full_name="A Person")
        session.add(candidate)
        session.flush()
        candidate.full_name_sealed = b"plain text"
        with pytest.raises(Exception, match="not sealed reached an encrypted column"):
            session.flush()


def test_blind_index_lookup_normalises_and_stores_no_plaintext(state, add_candidate):
    wanted = add_candidate(email="Zofia.Quill@Example.org", phone="+48 (601) 234-987")
    add_candidate(full_name="Other", email="someone@example.org", phone="+1 555 010 2030", external_ref="X-1")
    with state.db.transaction() as session:
        by_email = session.scalars(lookup(session, Candidate, "email", "  zofia.quill@EXAMPLE.org ")).all()
        by_phone = session.scalars(lookup(session, Candidate, "phone", "48601234987")).all()
        by_ref = session.scalars(lookup(session, Candidate, "external_ref", "ATS-77120")).all()
        assert [c.id for c in by_email] == [c.id for c in by_phone] == [c.id for c in by_ref] == [wanted]
        assert session.scalars(lookup(session, Candidate, "email", "nobody@example.org")).all() == []
        with pytest.raises(ValueError, match="no blind index"):
            lookup(session, Candidate, "full_name", "Other")
    with state.db.engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM candidates")).mappings().all()
    stored = repr(rows).lower()
    for plaintext in ("zofia", "quill", "example.org", "601234987", "601 234 987", "ats-77120", "someone"):
        assert plaintext not in stored
    row = next(r for r in rows if r["id"] == wanted)
    assert len(row["email_index"]) == 64 and bytes(row["email"])[:1] == b"\x01"


def test_reading_outside_an_app_says_what_to_do(state, add_candidate):
    candidate_id = add_candidate()
    from sqlalchemy.orm import Session

    with Session(state.db.engine) as session:  # a bare session: no Candor state, no app context
        candidate = session.scalars(select(Candidate).where(Candidate.id == candidate_id)).one()
        with pytest.raises(VaultError, match="not in a Candor session"):
            _ = candidate.email
