"""Importing jobs, and the all-or-nothing write when the database refuses a row part-way."""

from __future__ import annotations

import json

from import_fixtures import CN_HEADERS, people, write_csv, write_xlsx
from sqlalchemy import func, select, text

from candor.imports.models import ImportRun
from candor.interviews.models import Candidate, Interview
from candor.jobs.models import Job
from candor.state import get_state

JOB_HEADERS = ["职位编号", "职位名称", "工作地点", "职位描述", "任职要求", "发布日期", "截止日期"]


def _jobs(count: int) -> list[list[object]]:
    return [[f"REQ-{100 + i}", f"后端工程师 {i}" if i % 2 else f"Backend Engineer {i}",
             "中国" if i % 3 else "de",
             "  负责服务端开发\n\n\n  维护数据管道  ", "Python, SQL", "2024/3/1", "2024年6月30日"]
            for i in range(count)]


def _count(app, model) -> int:
    with get_state(app).db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def _refuse_on_database(app, table: str, condition: str) -> None:
    """A trigger that makes the database itself refuse some inserts: a real failure part-way through."""
    engine = get_state(app).db.engine
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text(f"CREATE TRIGGER refuse_some BEFORE INSERT ON {table} WHEN {condition} "
                                    "BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END"))
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse_some() RETURNS trigger AS $$ BEGIN "
                f"IF {condition} THEN RAISE EXCEPTION 'refused by a trigger'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"))
            connection.execute(text(f"CREATE TRIGGER refuse_some BEFORE INSERT ON {table} "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse_some()"))


def test_jobs_from_csv_and_xlsx(candor_app, candor_cli, organization, tmp_path):
    path = write_csv(tmp_path / "jobs.csv", JOB_HEADERS, _jobs(6))
    result = candor_cli("import", "jobs", str(path), "--json")  # the only organisation is the default
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["new"] == 6
    with get_state(candor_app).db.transaction() as session:
        jobs = {j.external_ref: j for j in session.scalars(select(Job))}
        assert jobs["REQ-101"].language == "zh" and jobs["REQ-100"].language == "en"
        assert jobs["REQ-101"].location == "CN" and jobs["REQ-100"].location == "DE"
        assert jobs["REQ-101"].description == "负责服务端开发\n\n维护数据管道"
    changed = _jobs(6)
    changed[0][1] = "Senior Backend Engineer"
    xlsx = write_xlsx(tmp_path / "jobs.xlsx", JOB_HEADERS, changed)
    result = candor_cli("import", "jobs", str(xlsx), "--organization", str(organization), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == {"total": 6, "new": 0, "existing": 6, "with_anomalies": 0}
    with get_state(candor_app).db.transaction() as session:
        title = session.scalar(select(Job.title).where(Job.external_ref == "REQ-100"))
    assert title == "Senior Backend Engineer"
    assert _count(candor_app, Job) == 6


def test_job_anomalies(candor_app, candor_cli, organization, tmp_path):
    rows = _jobs(5)
    rows[1][2] = "Atlantis"  # row 3
    rows[2][6] = "2024/2/1"  # row 4: closes before it opens
    rows[3][0] = rows[0][0]  # row 5 repeats row 2's id
    rows[4][1] = ""  # row 6
    path = write_csv(tmp_path / "jobs.csv", JOB_HEADERS, rows)
    result = candor_cli("import", "jobs", str(path), "--dry-run", "--json")
    assert result.exit_code == 1
    found = {(a["row"], a["field"], a["code"]) for a in json.loads(result.stdout)["examples"]}
    assert found == {(3, "location", "invalid_location"), (4, "closes_on", "impossible_date"),
                     (5, "external_ref", "duplicate"), (6, "title", "missing_value")}


def test_nothing_half_imported_when_the_database_refuses_a_job(candor_app, candor_cli, organization,
                                                               tmp_path):
    rows = _jobs(8)
    rows[5][1] = "Refused Role"  # row 7, after six rows were written in the same transaction
    _refuse_on_database(candor_app, "jobs", "NEW.title = 'Refused Role'")
    path = write_csv(tmp_path / "jobs.csv", JOB_HEADERS, rows)
    result = candor_cli("import", "jobs", str(path))
    assert result.exit_code == 1
    assert "row 7: the database refused the row" in result.stdout and "rolled back" in result.stdout
    assert _count(candor_app, Job) == 0
    with get_state(candor_app).db.transaction() as session:
        run = session.scalars(select(ImportRun)).one()
        assert (run.outcome, run.failed_row) == ("failed", 7)


def test_nothing_half_imported_when_the_database_refuses_a_candidate(candor_app, candor_cli, job, tmp_path):
    crowd = people(30, seed=12)
    _refuse_on_database(candor_app, "candidates", "(SELECT count(*) FROM candidates) >= 25")
    path = write_csv(tmp_path / "c.csv", CN_HEADERS, [p.cells() for p in crowd])
    assert candor_cli("import", "candidates", str(path), "--job", str(job), "--dry-run").exit_code == 0
    result = candor_cli("import", "candidates", str(path), "--job", str(job))
    assert result.exit_code == 1 and "row 27: the database refused the row" in result.stdout
    assert _count(candor_app, Candidate) == 0 and _count(candor_app, Interview) == 0
    for person in crowd:
        assert person.name not in result.output and person.email not in result.output
