"""The demographic questions and the bias report through the HTTP API, on both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from candor.audit.models import AuditEntry
from candor.fairness.models import DemographicRecord
from candor.state import get_state

from .helpers import candidate, make_applicant, make_job, withdraw_bias_audit

# A sample computed by hand (see the assertions): sex, race, score, selected.
HAND = [
    ("male", "white", 9, True), ("male", "white", 7, False), ("male", "asian", 6.5, False),
    ("female", "white", 8, True), ("female", "asian", 6, True), ("female", "asian", 2, False),
    ("female", "black_or_african_american", 5, False), ("male", "black_or_african_american", 4, False),
    ("decline_to_answer", "white", 10, True),
]


@pytest.fixture
def hand_sample(candor_app, candor_client):
    org_id, job_id = make_job(candor_app)
    for sex, race, score, selected in HAND:
        person = make_applicant(candor_app, org_id, job_id, score=score, selected=selected)
        answer = candor_client.post("/api/v1/candidate/demographics", headers=candidate(person["token"]),
                                    json={"answers": {"sex": sex, "race_ethnicity": race}})
        assert answer.status_code == 201, answer.json
    make_applicant(candor_app, org_id, job_id, consent=None, score=1, selected=False)  # never answered
    # Answered, then withdrew consent: counted as unknown from then on. Score 6.25 keeps the median there.
    late = make_applicant(candor_app, org_id, job_id, score=6.25, selected=True)
    answered = candor_client.post("/api/v1/candidate/demographics", headers=candidate(late["token"]),
                                  json={"answers": {"sex": "female", "race_ethnicity": "asian"}})
    assert answered.status_code == 201
    withdraw_bias_audit(candor_app, late["candidate"])
    return job_id


def rows(breakdown):
    return {c["key"]: (c["count"], c["favourable"], c["rate"], c["impact_ratio"])
            for c in breakdown["categories"]}


def test_hand_computed_report_through_the_auditor_api(candor_app, make_staff, sign_in, hand_sample):
    client = sign_in(make_staff("auditor"))
    response = client.get(f"/api/v1/audit/bias?job={hand_sample}")
    assert response.status_code == 200, response.json
    report = response.json
    assert report["interviews"] == 11 and report["with_demographic_answers"] == 9
    scoring = report["scoring"]
    # Scores 1, 2, 4, 5, 6, 6.25, 6.5, 7, 8, 9, 10: the median is 6.25; above it: 6.5, 7, 8, 9, 10.
    assert scoring["median"] == 6.25 and scoring["sample"] == 11
    by_sex, by_race, crossed = scoring["breakdowns"]
    assert rows(by_sex) == {"male": (4, 3, 0.75, 1.0), "female": (4, 1, 0.25, pytest.approx(1 / 3))}
    assert by_sex["unknown"] == 3  # declined, never answered, withdrew
    assert rows(by_race) == {"white": (4, 4, 1.0, 1.0), "black_or_african_american": (2, 0, 0.0, 0.0),
                             "asian": (3, 1, pytest.approx(1 / 3), pytest.approx(1 / 3))}
    assert by_race["unknown"] == 2
    assert rows(crossed) == {
        "male|white": (2, 2, 1.0, 1.0), "male|black_or_african_american": (1, 0, 0.0, 0.0),
        "male|asian": (1, 1, 1.0, 1.0), "female|white": (1, 1, 1.0, 1.0),
        "female|black_or_african_american": (1, 0, 0.0, 0.0), "female|asian": (2, 0, 0.0, 0.0)}
    assert crossed["unknown"] == 3
    by_sex, by_race, _ = report["selection"]["breakdowns"]
    assert rows(by_sex) == {"male": (4, 1, 0.25, 0.5), "female": (4, 2, 0.5, 1.0)}
    assert rows(by_race)["white"] == (4, 3, 0.75, 1.0)


def test_the_audit_log_records_the_report_and_each_read(candor_app, make_staff, sign_in, hand_sample):
    auditor = make_staff("auditor")
    assert sign_in(auditor).get(f"/api/v1/audit/bias?job={hand_sample}").status_code == 200
    with get_state(candor_app).db.transaction() as session:
        ids = session.scalars(select(DemographicRecord.id)).all()
        entries = session.scalars(select(AuditEntry).where(AuditEntry.actor == f"user:{auditor.id}")).all()
    reports = [e for e in entries if e.action == "audit.bias_report"]
    assert [(e.subject, e.purpose) for e in reports] == [(f"job:{hand_sample}", "bias_audit")]
    reads = {e.subject for e in entries
             if e.action == "access.read" and e.subject.startswith("demographicrecord:")}
    # Every consenting candidate's record was read (and logged); the withdrawn one was not even loaded.
    assert len(ids) == 10 and len(reads) == 9


@pytest.mark.parametrize("role", ["reviewer", "recruiter"])
def test_reviewers_and_recruiters_are_refused(role, make_staff, sign_in, hand_sample):
    client = sign_in(make_staff(role))
    assert client.get(f"/api/v1/audit/bias?job={hand_sample}").status_code == 403
    assert client.get("/api/v1/audit/illinois?organization=1&year=2026").status_code == 403


def test_csv_and_html_formats(candor_app, make_staff, sign_in, hand_sample):
    client = sign_in(make_staff("auditor"))
    csv_text = client.get(f"/api/v1/audit/bias?job={hand_sample}&format=csv").get_data(as_text=True)
    lines = csv_text.splitlines()
    assert lines[0].startswith("output,breakdown,category,label,count")
    assert "scoring,sex,female,Female,4,1,0.2500,0.5000,0.3333,no,,6.2500" in lines
    page = client.get(f"/api/v1/audit/bias?job={hand_sample}&format=html")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    body = page.get_data(as_text=True)
    assert body.count("<svg") == 6 and "stroke-dasharray" in body and "<script" not in body


def test_bad_report_requests_say_what_to_fix(make_staff, sign_in, hand_sample):
    client = sign_in(make_staff("auditor"))
    assert "?job=12" in client.get("/api/v1/audit/bias").json["message"]
    assert client.get("/api/v1/audit/bias?job=99999").status_code == 404
    assert "ISO 8601" in client.get(f"/api/v1/audit/bias?job={hand_sample}&since=yesterday").json["message"]
    assert client.get(f"/api/v1/audit/bias?job={hand_sample}&format=pdf").status_code == 400


def test_the_candidate_api_refuses_without_bias_audit_consent(candor_app, candor_client):
    org_id, job_id = make_job(candor_app)
    refused = make_applicant(candor_app, org_id, job_id, consent=False)
    never = make_applicant(candor_app, org_id, job_id, consent=None)
    for person in (refused, never):
        headers = candidate(person["token"])
        questions = candor_client.get("/api/v1/candidate/demographics", headers=headers).json
        assert questions["consented"] is False and questions["voluntary"] is True
        response = candor_client.post("/api/v1/candidate/demographics", headers=candidate(person["token"]),
                                      json={"answers": {"sex": "female"}})
        assert response.status_code == 403 and "consent" in response.json["message"]
    assert candor_client.get("/api/v1/candidate/demographics").status_code == 401
    assert candor_client.post("/api/v1/candidate/demographics", headers=candidate("forged"),
                              json={"answers": {}}).status_code == 403
    with get_state(candor_app).db.transaction() as session:
        assert session.scalars(select(DemographicRecord)).all() == []


def test_the_candidate_api_stores_sealed_answers_and_checks_them(candor_app, candor_client):
    org_id, job_id = make_job(candor_app)
    person = make_applicant(candor_app, org_id, job_id)
    headers = candidate(person["token"])
    form = candor_client.get("/api/v1/candidate/demographics?lang=zh-CN", headers=headers).json
    assert form["consented"] is True
    for dimension in form["dimensions"]:
        assert dimension["choices"][-1] == {"key": "decline_to_answer", "label": "不愿回答"}
    bad = candor_client.post("/api/v1/candidate/demographics", headers=headers,
                             json={"answers": {"sex": "martian"}})
    assert bad.status_code == 422 and "decline_to_answer" in bad.json["message"]
    assert candor_client.post("/api/v1/candidate/demographics", headers=headers,
                              json={"answers": {"eye_colour": "blue"}}).status_code == 422
    stored = candor_client.post("/api/v1/candidate/demographics", headers=headers,
                                json={"answers": {"sex": "female", "race_ethnicity": "asian"}})
    assert stored.status_code == 201 and stored.json == {"recorded": True}  # nothing echoed back
    state = get_state(candor_app)
    with state.db.engine.connect() as connection:
        raw = connection.execute(text("SELECT answers FROM demographic_records")).scalar_one()
    assert b"female" not in bytes(raw) and b"asian" not in bytes(raw)
    with state.db.transaction() as session:
        record = session.scalar(select(DemographicRecord))
        assert json.loads(record.answers) == {"sex": "female", "race_ethnicity": "asian"}


def test_only_the_fairness_package_reads_demographic_records():
    """Analyzer inputs, review pages and every other endpoint are built elsewhere: none of them may import the
    demographic model or its service (``core/models.py`` lists it for the metadata only)."""
    from pathlib import Path

    import candor

    root = Path(candor.__file__).parent
    words = ("DemographicRecord", "candor.fairness.service", "demographic_records")
    readers = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if relative.parts[0] == "fairness" or relative == Path("models.py"):
            continue
        if any(word in path.read_text(encoding="utf-8") for word in words):
            readers.append(str(relative))
    assert readers == []
