"""Cell cleaning, mapping and file reading on their own (no database)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from import_fixtures import CN_HEADERS, people, write_csv, write_dbf, write_xlsx

from candor.imports import cleaning
from candor.imports.cleaning import FieldProblem
from candor.imports.mapping import MappingError, resolve_columns
from candor.imports.readers import UnusableFile, open_table


@pytest.mark.parametrize("raw", ["2024-01-05", "2024/1/5", "2024.1.5", "2024年1月5日", "20240105",
                                 "05.01.2024", 45296, 45296.0, "45296", datetime(2024, 1, 5, 9, 30),
                                 date(2024, 1, 5)])
def test_dates_in_the_formats_hr_files_use(raw):
    assert cleaning.day(raw, "applied_on") == date(2024, 1, 5)


@pytest.mark.parametrize(("raw", "code"), [("2023-02-30", "impossible_date"),
                                           ("2023年13月1日", "impossible_date"),
                                           ("next tuesday", "invalid_date"), (999999, "invalid_date")])
def test_dates_that_cannot_be(raw, code):
    with pytest.raises(FieldProblem) as problem:
        cleaning.day(raw, "birth_date")
    assert problem.value.code == code
    assert str(raw) not in problem.value.message


@pytest.mark.parametrize(("raw", "clean"), [(" 138 0013 8000 ", "+8613800138000"),
                                            (13800138000.0, "+8613800138000"),
                                            ("+86-138-0013-8000", "+8613800138000"),
                                            ("+1 202-555-0143", "+12025550143")])
def test_phones_normalised_to_e164(raw, clean):
    assert cleaning.phone(raw) == clean


@pytest.mark.parametrize("raw", ["010-12345678", "12345", "1380013800"])
def test_mainland_numbers_must_be_mobiles(raw):
    with pytest.raises(FieldProblem) as problem:
        cleaning.phone(raw)
    assert problem.value.code == "invalid_phone" and raw not in problem.value.message


def test_emails_lowercased_and_checked_without_dns():
    assert cleaning.email("  Li.Na@Example.COM ") == "li.na@example.com"
    for bad in ("li.na@", "li na@example.com", "@example.com", "li.na@example..com"):
        with pytest.raises(FieldProblem):
            cleaning.email(bad)


def test_resident_id_check_digit():
    good = people(1)[0].id_number
    assert cleaning.resident_id(good.lower()) == good.upper()
    wrong_digit = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(FieldProblem) as problem:
        cleaning.resident_id(wrong_digit)
    assert problem.value.code == "invalid_id_number" and wrong_digit not in problem.value.message


def test_default_mapping_knows_chinese_and_english_headers():
    columns = resolve_columns(["候选人编号", "姓名", "邮箱", "手机"], "candidates")
    assert columns == {"external_ref": 0, "full_name": 1, "email": 2, "phone": 3}
    columns = resolve_columns([" E-Mail ", "Full Name", "Cell Phone", "Job ID"], "candidates")
    assert columns == {"email": 0, "full_name": 1, "phone": 2, "job_ref": 3}


def test_missing_required_field_reported_with_the_headers():
    with pytest.raises(MappingError) as error:
        resolve_columns(["姓名", "手机"], "candidates")
    assert "'email'" in str(error.value) and "'姓名', '手机'" in str(error.value)


def test_utf8_with_bom_and_gbk_detected(tmp_path):
    rows = [p.cells() for p in people(50)]
    for encoding, expected in (("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("gbk", "gb18030")):
        path = write_csv(tmp_path / f"{encoding}.csv", CN_HEADERS, rows, encoding)
        with open_table(path) as table:
            assert table.encoding == expected
            assert table.headers == CN_HEADERS
            read = list(table.rows())
        assert [cells[1] for _, cells in read] == [row[1] for row in rows]
        assert read[0][0] == 2 and read[-1][0] == 51  # spreadsheet numbering: the header is row 1


def test_gbk_read_as_utf8_is_refused_with_advice(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", CN_HEADERS, [p.cells() for p in people(20)], "gbk")
    with pytest.raises(UnusableFile) as error:
        open_table(path, encoding="utf-8")
    assert "not valid utf-8" in str(error.value) and "--encoding gb18030" in str(error.value)


def test_xlsx_streams_typed_cells(tmp_path):
    crowd = people(30)
    rows = [[p.ref, p.name, p.email, int(p.phone), p.id_number,
             datetime.combine(p.birth, datetime.min.time()), (p.applied - date(1899, 12, 30)).days]
            for p in crowd]
    path = write_xlsx(tmp_path / "c.xlsx", CN_HEADERS, rows)
    with open_table(path) as table:
        assert table.format == "xlsx"  # write-only workbooks carry no dimension, so no row count
        read = list(table.rows())
    assert cleaning.phone(read[3][1][3]) == cleaning.phone(crowd[3].phone)
    assert cleaning.day(read[3][1][6], "applied_on") == crowd[3].applied


def test_dbf_with_chinese_code_page(tmp_path):
    crowd = people(25)
    path = write_dbf(tmp_path / "c.dbf", crowd)
    with open_table(path) as table:
        assert table.format == "dbf" and table.headers[:2] == ["CAND_ID", "NAME"]
        read = list(table.rows())
    assert [cells[1].strip() for _, cells in read] == [p.name for p in crowd]
    assert read[0][1][5] == crowd[0].birth


def test_unusable_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(UnusableFile, match="empty"):
        open_table(empty)
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_bytes(b"PK\x03\x04not really a zip")
    with pytest.raises(UnusableFile, match="xlsx"):
        open_table(fake_xlsx)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(UnusableFile, match=".xls"):
        open_table(old)
