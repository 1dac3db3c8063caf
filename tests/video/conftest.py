"""Video tests: the test videos are written once per session (encoding takes a moment), and an interview for
the purpose gate is set up through the candidate's own consent page, as a candidate would give it."""

from __future__ import annotations

from pathlib import Path

import pytest

from candor.analysis.media import VideoSource
from tests.support import faces


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    return {
        "face": faces.face_webm(folder / "face.webm", seconds=4.0),
        "two_faces": faces.two_faces_webm(folder / "two_faces.webm", seconds=4.0),
        "no_face": faces.no_face_webm(folder / "no_face.webm", seconds=4.0),
        "looking_away": faces.looking_away_webm(folder / "looking_away.webm", seconds=9.0, away=(4.0, 7.0)),
        "straight_mouth": faces.straight_mouth_webm(folder / "straight_mouth.webm", seconds=4.0),
    }


def source(path: Path) -> VideoSource:
    return VideoSource.from_path(path)


def make_interview(app, location: str) -> tuple[int, int, str]:
    """An organisation, a job at ``location`` and a candidate with an interview; returns ids and the link token."""
    from candor.interviews.links import issue_link_token
    from candor.interviews.models import Candidate, Interview
    from candor.jobs.models import Job
    from candor.orgs.models import Organization
    from candor.state import get_state

    state = get_state(app)
    with state.db.transaction() as session:
        org = Organization(name="Acme", slug=f"acme-{location.lower()}", jurisdictions=[location],
                           contact_email="privacy@acme.example")
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title="Analyst", location=location)
        candidate = Candidate(organization_id=org.id, full_name="Ada Example", email="ada@example.com")
        session.add_all([job, candidate])
        session.flush()
        interview = Interview(job_id=job.id, candidate_id=candidate.id)
        session.add(interview)
        session.flush()
        return interview.id, candidate.id, issue_link_token(state.app_secret, interview)


def give_consent(app, token: str, decisions: dict[str, bool]) -> dict:
    """Read the notice and answer it through the candidate API; returns the notice that was consented to."""
    client = app.test_client()
    headers = {"Authorization": f"Candidate {token}", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"}
    notice = client.get("/api/v1/candidate/notice?lang=en", headers=headers).json
    response = client.post("/api/v1/candidate/consent", headers=headers,
                           json={"notice_hash": notice["hash"], "language": "en", "decisions": decisions})
    assert response.status_code == 201, response.json
    return notice


def gate(app, plugin: str, candidate_id: int, interview_id: int, location: str):
    """Ask the purpose gate, for the purpose the analysis step asks it for, and commit its decision."""
    from candor.analysis.steps import purpose_for
    from candor.consent.gate import check_gate
    from candor.state import get_state

    state = get_state(app)
    with state.db.transaction() as session:
        return check_gate(state, session, plugin=plugin, purpose=purpose_for(state, plugin),
                          candidate_id=candidate_id, location=location, interview_id=interview_id)
