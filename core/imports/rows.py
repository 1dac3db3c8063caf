"""One row of a file checked and cleaned: a ``JobRow`` or ``CandidateRow`` and its anomalies.

Owns the per-row rules (required values, valid phones, e-mails and resident ids, dates that can be true).
Rules that need other rows or the database (duplicates, unknown jobs) are in ``candor.imports.checks``.
Anomaly messages name the row and the field, never the value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from candor.imports import cleaning
from candor.imports.cleaning import FieldProblem
from candor.policy import PolicyError
from candor.policy.jurisdictions import normalise_location

#: Youngest plausible applicant; a birth date that makes someone younger is a typing error.
MIN_AGE_YEARS = 14
OLDEST_BIRTH = date(1900, 1, 1)
#: Country names HR files use instead of codes.
LOCATION_NAMES = {"中国": "CN", "中国大陆": "CN", "china": "CN", "德国": "DE", "germany": "DE",
                  "美国": "US", "usa": "US", "united states": "US", "法国": "FR", "france": "FR"}


@dataclass(frozen=True)
class Anomaly:
    row: int
    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code, "message": self.message}

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


@dataclass
class CandidateRow:
    row: int
    external_ref: str | None = None
    full_name: str | None = None
    email: str | None = None
    phone: str | None = None
    id_number: str | None = None
    birth_date: date | None = None
    applied_on: date | None = None
    job_ref: str | None = None
    language: str = "en"
    anomalies: list[Anomaly] = field(default_factory=list)


@dataclass
class JobRow:
    row: int
    external_ref: str | None = None
    title: str | None = None
    description: str = ""
    requirements: str = ""
    location: str | None = None
    language: str = "en"
    opens_on: date | None = None
    closes_on: date | None = None
    anomalies: list[Anomaly] = field(default_factory=list)


class _Checker:
    """Collects problems of one row while cleaning its cells."""

    def __init__(self, number: int, cells: Sequence[Any], columns: Mapping[str, int]) -> None:
        self.number = number
        self.cells = cells
        self.columns = columns
        self.anomalies: list[Anomaly] = []

    def raw(self, name: str) -> Any:
        index = self.columns.get(name)
        return self.cells[index] if index is not None else None

    def clean(self, name: str, cleaner: Callable[[Any], Any], *, required: bool = False) -> Any:
        try:
            value = cleaner(self.raw(name))
        except FieldProblem as problem:
            self.flag(name, problem.code, problem.message)
            return None
        if value is None and required:
            self.flag(name, "missing_value", f"{name} is empty")
        return value

    def flag(self, name: str, code: str, message: str) -> None:
        self.anomalies.append(Anomaly(self.number, name, code, message))


def candidate_row(number: int, cells: Sequence[Any], columns: Mapping[str, int], *,
                  today: date | None = None) -> CandidateRow:
    today = today or date.today()
    check = _Checker(number, cells, columns)
    row = CandidateRow(row=number)
    row.full_name = check.clean("full_name", cleaning.text, required=True)
    row.email = check.clean("email", cleaning.email, required=True)
    row.phone = check.clean("phone", cleaning.phone)
    row.external_ref = check.clean("external_ref", cleaning.text) or row.email
    row.id_number = check.clean("id_number", cleaning.resident_id)
    row.birth_date = check.clean("birth_date", lambda v: cleaning.day(v, "birth_date"))
    row.applied_on = check.clean("applied_on", lambda v: cleaning.day(v, "applied_on"))
    row.job_ref = check.clean("job_ref", cleaning.text)
    default_language = "zh" if row.full_name and cleaning.has_cjk(row.full_name) else "en"
    row.language = check.clean("language", lambda v: cleaning.language(v, default_language)) \
        or default_language

    if row.birth_date is not None:
        if row.birth_date > today:
            check.flag("birth_date", "impossible_date", "birth_date is in the future")
        elif row.birth_date < OLDEST_BIRTH:
            check.flag("birth_date", "impossible_date", "birth_date is before 1900")
        elif _years_between(row.birth_date, row.applied_on or today) < MIN_AGE_YEARS:
            check.flag("birth_date", "impossible_date",
                       f"birth_date makes the applicant younger than {MIN_AGE_YEARS} when applying")
    if row.id_number is not None and row.birth_date is not None \
            and cleaning.birth_date_of_resident_id(row.id_number) != row.birth_date:
        check.flag("birth_date", "inconsistent_birth_date",
                   "birth_date differs from the birth date in id_number")
    if row.applied_on is not None:
        if row.applied_on > today + timedelta(days=1):
            check.flag("applied_on", "impossible_date", "applied_on is in the future")
        elif row.birth_date is not None and row.applied_on < row.birth_date:
            check.flag("applied_on", "impossible_date", "applied_on is before birth_date")
    row.anomalies = check.anomalies
    return row


def job_row(number: int, cells: Sequence[Any], columns: Mapping[str, int], *,
            default_location: str | None = None) -> JobRow:
    check = _Checker(number, cells, columns)
    row = JobRow(row=number)
    row.external_ref = check.clean("external_ref", cleaning.text, required=True)
    row.title = check.clean("title", cleaning.text, required=True)
    if row.title is not None and len(row.title) > 300:
        check.flag("title", "too_long", "title is longer than 300 characters")
    row.description = check.clean("description", _paragraphs) or ""
    row.requirements = check.clean("requirements", _paragraphs) or ""
    location_cell = check.raw("location") if "location" in columns else default_location
    row.location = _location(check, location_cell)
    default_language = "zh" if row.title and cleaning.has_cjk(row.title) else "en"
    row.language = check.clean("language", lambda v: cleaning.language(v, default_language)) \
        or default_language
    row.opens_on = check.clean("opens_on", lambda v: cleaning.day(v, "opens_on"))
    row.closes_on = check.clean("closes_on", lambda v: cleaning.day(v, "closes_on"))
    if row.opens_on and row.closes_on and row.closes_on < row.opens_on:
        check.flag("closes_on", "impossible_date", "closes_on is before opens_on")
    row.anomalies = check.anomalies
    return row


def _location(check: _Checker, value: Any) -> str | None:
    raw = cleaning.text(value)
    if raw is None:
        check.flag("location", "missing_value", "location is empty")
        return None
    try:
        return normalise_location(LOCATION_NAMES.get(raw.lower(), raw))
    except PolicyError:
        check.flag("location", "invalid_location",
                   "location is not a jurisdiction code (e.g. CN, DE, US-IL) or a known country name")
        return None


def _paragraphs(value: Any) -> str | None:
    """Long text keeps its line breaks; each line is trimmed and runs of blank lines become one."""
    if value is None:
        return None
    lines = [" ".join(line.split()) for line in str(value).replace("\r\n", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    cleaned = "\n".join(kept).strip()
    return cleaned or None


def _years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))
