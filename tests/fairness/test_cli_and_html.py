"""``candor audit bias`` as an operator runs it, installation categories, and the HTML page escaping them."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from candor.app import create_app
from candor.db import migrate
from candor.state import get_state

from .helpers import candidate, make_applicant, make_job

pytestmark = pytest.mark.candor_backends("sqlite")

HOSTILE = '<script>alert("x")</script> & Co'
EXTRA = f"""schema_version: 1
dimensions:
  sex:
    categories:
      another_sex: {{en: '{HOSTILE}'}}
"""


def populate(app, client, third: str = "decline_to_answer") -> tuple[int, int]:
    org_id, job_id = make_job(app, title="<b>Analyst</b>")
    for index, sex in enumerate(["male", "female", third, "male", "female", "male"]):
        person = make_applicant(app, org_id, job_id, score=float(index), selected=index % 2 == 0,
                                hired=index == 4, created_at=datetime(2026, 3, 1 + index, tzinfo=UTC))
        response = client.post("/api/v1/candidate/demographics", headers=candidate(person["token"]),
                               json={"answers": {"sex": sex, "race_ethnicity": "asian"}})
        assert response.status_code == 201, response.json
    return org_id, job_id


def test_installation_categories_are_offered_and_escaped_in_the_page(candor_settings, make_staff):
    data_dir = Path(candor_settings["data_dir"])
    (data_dir / "fairness").mkdir(parents=True)
    (data_dir / "fairness" / "categories.yaml").write_text(EXTRA)
    app = create_app(candor_settings)
    client = app.test_client()
    _, job_id = populate(app, client, third="another_sex")
    from candor.auth.models import Role, User
    from candor.auth.passwords import hash_password
    from candor.testing import STAFF_PASSWORD, csrf_token_from

    with get_state(app).db.transaction() as session:
        session.add(User(email="aud@example.com", role=Role.AUDITOR,
                         password_hash=hash_password(STAFF_PASSWORD)))
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    client.post("/admin/login",
                data={"email": "aud@example.com", "password": STAFF_PASSWORD, "csrf_token": token})
    page = client.get(f"/api/v1/audit/bias?job={job_id}&format=html&exclude_under=0").get_data(as_text=True)
    assert "<script" not in page and "<b>Analyst" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "&lt;b&gt;Analyst&lt;/b&gt;" in page
    get_state(app).db.dispose()


def test_a_category_file_that_redefines_a_default_is_refused(tmp_path):
    from candor.fairness.vocabulary import VocabularyError, load_vocabulary

    (tmp_path / "fairness").mkdir()
    (tmp_path / "fairness" / "categories.yaml").write_text(
        "schema_version: 1\ndimensions:\n  sex:\n    categories:\n      male: {en: Man}\n")
    with pytest.raises(VocabularyError, match="already has male"):
        load_vocabulary(tmp_path)


@pytest.fixture
def installation(tmp_path) -> tuple[dict[str, str], int, int]:
    data_dir = tmp_path / "data"
    app = create_app({"data_dir": data_dir, "testing": True})
    migrate.upgrade(get_state(app))
    org_id, job_id = populate(app, app.test_client())
    get_state(app).db.dispose()
    return {**os.environ, "CANDOR_DATA_DIR": str(data_dir)}, org_id, job_id


def run(env, *args):
    return subprocess.run([sys.executable, "-m", "candor.cli", "audit", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_writes_each_format(installation, tmp_path):
    env, org_id, job_id = installation
    out = tmp_path / "bias.csv"
    done = run(env, "bias", "--job", str(job_id), "--format", "csv", "-o", str(out), "--exclude-under", "0")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    table = list(csv.DictReader(io.StringIO(out.read_text())))
    # Scores 0..5, median 2.5: male has 0, 3, 5 (2 above), female 1, 4 (1 above), the one who declined 2.
    by_sex = {r["category"]: r for r in table if (r["output"], r["breakdown"]) == ("scoring", "sex")}
    male, female = by_sex["male"], by_sex["female"]
    assert (male["count"], male["favourable"], male["rate"], male["impact_ratio"]) == ("3", "2", "0.6667",
                                                                                       "1.0000")
    assert (female["rate"], female["impact_ratio"], by_sex["unknown"]["count"]) == ("0.5000", "0.7500", "1")
    as_json = run(env, "bias", "--job", str(job_id), "--since", "2026-03-03")
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["interviews"] == 4 and report["period"]["since"].startswith("2026-03-03")
    html = run(env, "bias", "--job", str(job_id), "--format", "html")
    assert html.stdout.startswith("<!doctype html>") and "<svg" in html.stdout


def test_cli_errors_are_messages(installation):
    env, org_id, job_id = installation
    missing = run(env, "bias", "--job", "999")
    assert missing.returncode == 1 and "There is no job 999" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = run(env, "bias", "--job", str(job_id), "--since", "last week")
    assert bad.returncode == 2 and "ISO 8601" in bad.stderr


def test_illinois_report_for_the_year_ending_30_november(installation):
    env, org_id, _ = installation
    done = run(env, "illinois", "--organization", str(org_id), "--year", "2026")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["period"] == {"since": "2025-12-01T00:00:00+00:00", "until": "2026-12-01T00:00:00+00:00"}
    asian = next(r for r in report["rows"] if r["race_ethnicity"] == "asian")
    assert (asian["advanced"], asian["not_advanced"], asian["hired"]) == (3, 3, 1)
    earlier = json.loads(run(env, "illinois", "--organization", str(org_id), "--year", "2025").stdout)
    assert all(r["advanced"] + r["not_advanced"] + r["undecided"] == 0 for r in earlier["rows"])
