"""The grep test for logs: a whole interview's worth of activity, with every logger at DEBUG, and the
candidate's and the staff member's personal data appears in no log line."""

from __future__ import annotations

import logging

from sqlalchemy import select

from candor import DataCategory, Purpose
from candor.analysis.transcripts import store_transcript
from candor.app import create_app
from candor.interviews.models import Answer
from candor.state import get_state
from candor.testing import STAFF_PASSWORD, csrf_token_from

from .test_gate import SPOKEN, TranscriptReader, give_consent, make_interview, run_pipeline

NEEDLES = ("Ada Example", "ada@example.com", "maria.g@example.org", "415 555 0142", "Maria Gonzalez",
           "staff.person@example.com", STAFF_PASSWORD)


def test_no_personal_data_in_any_log(candor_settings, make_staff, tmp_path):
    log_file = tmp_path / "all.log"
    handler = logging.FileHandler(log_file)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        reader = TranscriptReader("reader", {"competency_scoring"}, {DataCategory.TRANSCRIPT},
                                  {Purpose.AI_EVALUATION}, "Counts words.")
        app = create_app({**candor_settings, "log_level": "DEBUG", "log_format": "json"}, plugins=[reader])
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # every statement, parameters hidden
        client = app.test_client()
        interview_id, _, token = make_interview(app, "US-NYC")  # candidate "Ada Example", ada@example.com
        give_consent(client, token, {"ai_evaluation": True})
        state = get_state(app)
        with state.db.transaction() as session:
            answer = session.scalar(select(Answer).where(Answer.interview_id == interview_id))
            store_transcript(app, session, answer, SPOKEN, language="en", engine="test")
        run_pipeline(app, interview_id)

        # Staff sign in, once wrongly and once rightly, with an e-mail address in the form.
        from candor.auth.models import Role, User
        from candor.auth.passwords import hash_password

        with state.db.transaction() as session:
            session.add(User(email="staff.person@example.com", role=Role.RECRUITER,
                             password_hash=hash_password(STAFF_PASSWORD)))
        page = client.get("/admin/login").get_data(as_text=True)
        client.post("/admin/login", data={"email": "staff.person@example.com", "password": "wrong password!",
                                          "csrf_token": csrf_token_from(page)})
        client.post("/admin/login", data={"email": "staff.person@example.com", "password": STAFF_PASSWORD,
                                          "csrf_token": csrf_token_from(page)})
        client.get(f"/api/v1/interviews/{interview_id}/processing")
        client.get("/api/v1/candidate/notice", headers={"Authorization": "Candidate not-a-token"})
        state.db.dispose()
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
        handler.close()

    text = log_file.read_text()
    assert "POST /admin/login" in text and "INSERT INTO transcripts" in text  # the logs did capture it all
    leaked = [needle for needle in NEEDLES if needle.lower() in text.lower()]
    assert leaked == [], f"personal data in the logs: {leaked}"
