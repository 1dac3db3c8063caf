"""Importing candidates end to end through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from import_fixtures import CN_HEADERS, EN_HEADERS, people, write_csv, write_dbf, write_xlsx
from sqlalchemy import func, select, text

from candor.imports.models import ImportRun
from candor.interviews.models import Candidate, Interview
from candor.state import get_state


def _count(app, model) -> int:
    with get_state(app).db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def _names(app) -> set[str]:
    with get_state(app).db.transaction() as session:
        return {c.full_name for c in session.scalars(select(Candidate))}


def test_utf8_csv_dry_run_writes_nothing_then_import_writes_all(candor_app, candor_cli, job, tmp_path):
    crowd = people(40, locale="zh_CN") + people(40, seed=8, locale="en_US")
    path = write_csv(tmp_path / "applicants.csv", CN_HEADERS, [p.cells() for p in crowd], "utf-8-sig")

    dry = candor_cli("import", "candidates", str(path), "--job", str(job), "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert report["rows"] == {"total": 80, "new": 80, "existing": 0, "with_anomalies": 0}
    assert report["encoding"] == "utf-8-sig" and report["columns"]["full_name"] == "姓名"
    assert _count(candor_app, Candidate) == 0

    real = candor_cli("import", "candidates", str(path), "--job", str(job))
    assert real.exit_code == 0, real.output
    assert "Imported in one transaction" in real.stdout
    assert _count(candor_app, Candidate) == 80 and _count(candor_app, Interview) == 80
    assert _names(candor_app) == {p.name for p in crowd}
    with get_state(candor_app).db.transaction() as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        assert [r.outcome for r in runs] == ["dry_run", "imported"]
        assert runs[1].rows_new == 80 and runs[1].actor == "system:cli" and len(runs[1].file_sha256) == 64
        stored = session.execute(text("SELECT * FROM import_runs")).mappings().all()
    assert not any(p.name in json.dumps([dict(r) for r in stored], default=str) for p in crowd)

    again = candor_cli("import", "candidates", str(path), "--job", str(job), "--dry-run", "--json")
    assert json.loads(again.stdout)["rows"]["existing"] == 80  # found again by the blind index of the id


def test_gbk_csv_imports_with_the_right_characters(candor_app, candor_cli, job, tmp_path):
    crowd = people(30, seed=3)
    path = write_csv(tmp_path / "gbk.csv", CN_HEADERS, [p.cells() for p in crowd], "gbk")
    result = candor_cli("import", "candidates", str(path), "--job", str(job), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["encoding"] == "gb18030"
    assert _names(candor_app) == {p.name for p in crowd}


def test_wrong_encoding_declared_is_an_unusable_file(candor_app, candor_cli, job, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", CN_HEADERS, [p.cells() for p in people(30)], "gbk")
    result = candor_cli("import", "candidates", str(path), "--job", str(job), "--encoding", "utf-8")
    assert result.exit_code == 2
    assert "not valid utf-8" in result.stderr and "--encoding gb18030" in result.stderr
    assert _count(candor_app, Candidate) == 0


def test_xlsx_and_dbf_files(candor_app, candor_cli, job, tmp_path):
    crowd = people(20, seed=4)
    rows = [[p.ref, p.name, p.email.upper(), int(p.phone), p.id_number,
             datetime.combine(p.birth, datetime.min.time()), (p.applied - date(1899, 12, 30)).days]
            for p in crowd]
    xlsx = write_xlsx(tmp_path / "applicants.xlsx", EN_HEADERS, rows)
    result = candor_cli("import", "candidates", str(xlsx), "--job", str(job), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["new"] == 20

    others = people(15, seed=5)
    dbf_file = write_dbf(tmp_path / "applicants.dbf", others)
    mapping = tmp_path / "foxpro.yaml"
    mapping.write_text("columns:\n  CAND_ID: external_ref\n  NAME: full_name\n  EMAIL: email\n"
                       "  MOBILE: phone\n  IDNO: id_number\n  BIRTH: birth_date\n", encoding="utf-8")
    result = candor_cli("import", "candidates", str(dbf_file), "--job", str(job), "--mapping", str(mapping),
                        "--json")
    assert result.exit_code == 0, result.output
    assert _names(candor_app) == {p.name for p in crowd + others}
    with get_state(candor_app).db.transaction() as session:
        emails = {c.email for c in session.scalars(select(Candidate))}
        phones = {c.phone for c in session.scalars(select(Candidate))}
    assert crowd[0].email in emails  # lower-cased
    assert "+86" + crowd[0].phone in phones  # E.164


def test_broken_rows_reported_per_row_without_values(candor_app, candor_cli, job, tmp_path):
    crowd = people(12, seed=6)
    rows = [p.cells() for p in crowd]
    bad_id = crowd[1].id_number[:17] + ("0" if crowd[1].id_number[17] != "0" else "1")
    rows[1][4] = bad_id  # row 3
    rows[3][3] = "010-12345678"  # row 5: a landline
    rows[4][5] = (date.today() + timedelta(days=400)).strftime("%Y年%m月%d日")  # row 6: born in the future
    rows[5][6] = "2023-02-30"  # row 7
    rows[6][2] = "not-an-address"  # row 8
    rows[8] = list(rows[2])  # row 10 repeats row 4
    rows[9][2] = rows[0][2]  # row 11: another person with row 2's e-mail
    path = write_csv(tmp_path / "broken.csv", CN_HEADERS, rows)
    report_file = tmp_path / "report.jsonl"

    result = candor_cli("import", "candidates", str(path), "--job", str(job), "--dry-run",
                        "--report", str(report_file))
    assert result.exit_code == 1, result.output
    lines = [json.loads(line) for line in report_file.read_text(encoding="utf-8").splitlines()]
    found = {(a["row"], a["field"], a["code"]) for a in lines[:-1]}
    assert (3, "id_number", "invalid_id_number") in found
    assert (5, "phone", "invalid_phone") in found
    assert (6, "birth_date", "impossible_date") in found
    assert (7, "applied_on", "impossible_date") in found
    assert (8, "email", "invalid_email") in found
    assert (10, "external_ref", "duplicate") in found
    assert (11, "email", "duplicate") in found
    assert "row 5: phone is not a valid mobile number" in result.stdout
    summary = lines[-1]["summary"]
    assert summary["rows"]["with_anomalies"] == 7 and summary["rows"]["new"] == 5
    everything = result.output + report_file.read_text(encoding="utf-8")
    for value in (bad_id, "010-12345678", "not-an-address", crowd[0].email, crowd[2].name, crowd[2].ref):
        assert value not in everything

    refused = candor_cli("import", "candidates", str(path), "--job", str(job))
    assert refused.exit_code == 1 and "Nothing was imported" in refused.stdout
    assert _count(candor_app, Candidate) == 0


def test_contact_details_of_existing_candidates_are_duplicates(candor_app, candor_cli, job, tmp_path):
    crowd = people(5, seed=9)
    first = write_csv(tmp_path / "first.csv", CN_HEADERS, [p.cells() for p in crowd])
    assert candor_cli("import", "candidates", str(first), "--job", str(job)).exit_code == 0
    newcomer = people(1, seed=10)[0]
    newcomer.email = crowd[2].email.upper()
    newcomer.phone = "+86 " + crowd[3].phone
    second = write_csv(tmp_path / "second.csv", CN_HEADERS, [newcomer.cells(), crowd[0].cells()])
    result = candor_cli("import", "candidates", str(second), "--job", str(job), "--dry-run", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    codes = {(a["row"], a["field"], a["code"]) for a in report["examples"]}
    assert codes == {(2, "email", "duplicate_existing"), (2, "phone", "duplicate_existing")}
    assert report["rows"]["existing"] == 1


def test_job_ref_column_and_unknown_jobs(candor_app, candor_cli, job, tmp_path):
    crowd = people(4, seed=11)
    headers = [*CN_HEADERS, "职位编号"]
    rows = [[*p.cells(), "REQ-1"] for p in crowd]
    rows[2][-1] = "REQ-404"
    path = write_csv(tmp_path / "jobs.csv", headers, rows)
    result = candor_cli("import", "candidates", str(path), "--dry-run", "--json")
    assert result.exit_code == 1
    assert [(a["row"], a["code"]) for a in json.loads(result.stdout)["examples"]] == [(4, "unknown_job")]
    del rows[2]
    write_csv(path, headers, rows)
    assert candor_cli("import", "candidates", str(path)).exit_code == 0
    assert _count(candor_app, Interview) == 3


def test_mapping_file_errors_come_before_any_row(candor_app, candor_cli, job, tmp_path):
    path = write_csv(tmp_path / "odd.csv", ["Ref", "Who", "Where to write"],
                     [["A1", "Li Na", "li@example.com"]])
    missing = candor_cli("import", "candidates", str(path), "--job", str(job), "--dry-run")
    assert missing.exit_code == 2 and "required field 'full_name'" in missing.stderr
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"Who": "full_name", "Where to write": "mail_address"}), encoding="utf-8")
    result = candor_cli("import", "candidates", str(path), "--job", str(job), "--mapping", str(wrong))
    assert result.exit_code == 2 and "unknown field 'mail_address'" in result.stderr
    right = tmp_path / "right.json"
    right.write_text(json.dumps({"Ref": "external_ref", "Who": "full_name", "Where to write": "email"}),
                     encoding="utf-8")
    result = candor_cli("import", "candidates", str(path), "--job", str(job), "--mapping", str(right))
    assert result.exit_code == 0, result.output
    assert _count(candor_app, Candidate) == 1
