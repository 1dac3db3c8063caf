"""People and files for the import tests: realistic names from faker (en_US and zh_CN), valid resident ids,
mobile numbers and e-mail addresses, written as CSV (UTF-8 or GBK), Excel .xlsx and DBF."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

CN_HEADERS = ["候选人编号", "姓名", "邮箱", "手机", "身份证号", "出生日期", "申请日期"]
EN_HEADERS = ["Candidate ID", "Name", "E-mail", "Mobile", "ID Number", "Date of Birth", "Application Date"]


@dataclass
class Person:
    ref: str
    name: str
    email: str
    phone: str
    id_number: str
    birth: date
    applied: date

    def cells(self) -> list[str]:
        return [self.ref, self.name, self.email, self.phone, self.id_number,
                self.birth.strftime("%Y/%-m/%-d"), self.applied.isoformat()]


def people(count: int, *, seed: int = 7, locale: str = "zh_CN") -> list[Person]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    chance = random.Random(seed)
    made = []
    for i in range(count):
        id_number = fake.ssn(min_age=20, max_age=60) if locale == "zh_CN" else ""
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])) if id_number \
            else date(1970, 1, 1) + timedelta(days=chance.randrange(12000))
        phone = f"13{chance.randrange(10)}{chance.randrange(10**8):08d}" if locale == "zh_CN" \
            else f"+1 415-{chance.randrange(200, 999)}-{chance.randrange(10000):04d}"
        made.append(Person(ref=f"A{seed:02d}{i:06d}", name=fake.name(),
                           email=f"applicant{seed}.{i}@example.com", phone=phone, id_number=id_number,
                           birth=birth, applied=date(2024, 1, 5) + timedelta(days=i % 200)))
    return made


def write_csv(path: Path, headers: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, headers: list[str], rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("候选人")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_dbf(path: Path, people_rows: list[Person], codepage: str = "cp936") -> Path:
    """A FoxPro-style table with Chinese field values, in the code page its header names."""
    import dbf

    table = dbf.Table(str(path), "CAND_ID C(20); NAME C(40); EMAIL C(60); MOBILE C(20); IDNO C(18); BIRTH D",
                      codepage=codepage, dbf_type="db3")
    table.open(dbf.READ_WRITE)
    for person in people_rows:
        table.append((person.ref, person.name, person.email, person.phone, person.id_number, person.birth))
    table.close()
    return path


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(born: date, sequence: int, region: str = "110101") -> str:
    """A resident id with the right MOD 11-2 check character (GB 11643-1999)."""
    body = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def write_large_csv(path: Path, count: int) -> Path:
    """``count`` distinct, valid applicants, streamed to disk (names from a faker pool)."""
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    names = [fake.name() for _ in range(500)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CN_HEADERS)
        for i in range(count):
            born = date(1970, 1, 1) + timedelta(days=i % 10000)
            writer.writerow([f"L{i:07d}", names[i % 500], f"bulk.{i}@example.com", f"139{i:08d}",
                             resident_id(born, i // 10000), born.isoformat(), "2024-05-01"])
    return path
