"""The NYC LL144 bias audit report of one job, and the Illinois §20 demographic report of an organisation.

Both are built inside the caller's transaction; building one records an ``audit.bias_report`` entry (the
reads of the demographic records themselves are recorded automatically, one entry per record).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from candor import audit
from candor.declarations import Purpose
from candor.fairness.metrics import DEFAULT_EXCLUSION_THRESHOLD, AuditResult
from candor.fairness.metrics import audit as run_audit
from candor.fairness.service import hired_sample, interview_sample
from candor.fairness.vocabulary import RACE, SEX, Vocabulary


class ReportError(ValueError):
    """The report cannot be built as asked; the message says what to change."""


class UnknownJob(ReportError):
    pass


@dataclass(frozen=True)
class BiasReport:
    job_id: int
    job_title: str
    since: datetime | None
    until: datetime | None
    generated_at: datetime
    threshold: float
    interviews: int
    with_answers: int
    scoring: AuditResult
    selection: AuditResult

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": "NYC Local Law 144 bias audit (6 RCNY 5-301)",
            "job": {"id": self.job_id, "title": self.job_title},
            "period": {"since": _iso(self.since), "until": _iso(self.until)},
            "generated_at": _iso(self.generated_at),
            "exclusion_threshold": self.threshold,
            "interviews": self.interviews,
            "with_demographic_answers": self.with_answers,
            "scoring": self.scoring.to_dict(),
            "selection": self.selection.to_dict(),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def audited_dimensions(vocabulary: Vocabulary) -> list[str]:
    """Sex and race/ethnicity as LL144 asks; other dimensions an installation added are reported too."""
    return [d for d in (SEX, RACE) if d in vocabulary.dimensions] + [
        d for d in vocabulary.dimensions if d not in (SEX, RACE)]


def build_bias_report(session: Session, vocabulary: Vocabulary, job_id: int, *, since: datetime | None = None,
                      until: datetime | None = None,
                      threshold: float = DEFAULT_EXCLUSION_THRESHOLD) -> BiasReport:
    from candor.jobs.models import Job

    if not 0 <= threshold < 1:
        raise ReportError("The exclusion threshold is a share between 0 (exclude nothing) and 1, e.g. 0.02.")
    job = session.get(Job, job_id)
    if job is None:
        raise UnknownJob(f"There is no job {job_id}; give the id shown in the jobs list.")
    if since is not None and until is not None and since >= until:
        raise ReportError("The period is empty: --since must be before --until.")
    dimensions = audited_dimensions(vocabulary)
    with audit.for_purpose(Purpose.BIAS_AUDIT.value):
        sample = interview_sample(session, dimensions, job_id=job_id, since=since, until=until)
        audit.record(session, "audit.bias_report", f"job:{job_id}", purpose=Purpose.BIAS_AUDIT.value,
                     details={"interviews": sample.interviews, "with_answers": sample.with_answers})
    crossed = [d for d in (SEX, RACE) if d in dimensions]
    order = {d: list(vocabulary.dimensions[d].categories) for d in dimensions}

    def label_of(dimension: str, key: str) -> str:
        return vocabulary.dimensions[dimension].label_of(key)

    def both(kind: Any) -> AuditResult:
        result = run_audit(kind, sample.observations, crossed, label_of, order=order, threshold=threshold)
        extra = [run_audit(kind, sample.observations, [d], label_of, order=order, threshold=threshold)
                 for d in dimensions if d not in crossed]
        return AuditResult(result.kind, result.sample, result.median,
                           result.breakdowns + tuple(b for r in extra for b in r.breakdowns))

    return BiasReport(job_id=job.id, job_title=job.title, since=since, until=until,
                      generated_at=datetime.now(UTC), threshold=threshold, interviews=sample.interviews,
                      with_answers=sample.with_answers, scoring=both("scoring"), selection=both("selection"))


@dataclass(frozen=True)
class IllinoisRow:
    key: str | None
    label: str
    advanced: int
    not_advanced: int
    undecided: int
    hired: int


@dataclass(frozen=True)
class IllinoisReport:
    organization_id: int
    year: int
    since: datetime
    until: datetime
    rows: tuple[IllinoisRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"report": "Illinois 820 ILCS 42/20 demographic data",
                "organization": self.organization_id, "year": self.year,
                "period": {"since": _iso(self.since), "until": _iso(self.until)},
                "due": f"{self.year}-12-31",
                "rows": [{"race_ethnicity": r.key, "label": r.label, "advanced": r.advanced,
                          "not_advanced": r.not_advanced, "undecided": r.undecided, "hired": r.hired}
                         for r in self.rows]}


def illinois_period(year: int) -> tuple[datetime, datetime]:
    """The 12 months ending 30 November of ``year``: [1 Dec year-1, 1 Dec year) in UTC."""
    return datetime(year - 1, 12, 1, tzinfo=UTC), datetime(year, 12, 1, tzinfo=UTC)


def build_illinois_report(session: Session, vocabulary: Vocabulary, organization_id: int,
                          year: int) -> IllinoisReport:
    """Race/ethnicity of applicants afforded an in-person interview (advanced) or not, and of those hired."""
    if RACE not in vocabulary.dimensions:
        raise ReportError("The categories file has no race_ethnicity dimension, which §20 reports on.")
    if not 2000 <= year <= 9999:
        raise ReportError(f"{year} is not a reporting year; give the year whose 30 November ends the period.")
    since, until = illinois_period(year)
    with audit.for_purpose(Purpose.BIAS_AUDIT.value):
        people = hired_sample(session, organization_id, since, until, RACE)
        audit.record(session, "audit.bias_report", f"organization:{organization_id}",
                     purpose=Purpose.BIAS_AUDIT.value, details={"interviews": len(people), "year": year})
    tallies: dict[str | None, Counter[str]] = {}
    for category, advanced, hired in people:
        tally = tallies.setdefault(category, Counter())
        tally["advanced" if advanced else "not_advanced" if advanced is False else "undecided"] += 1
        tally["hired"] += int(bool(hired))
    dimension = vocabulary.dimensions[RACE]
    keys: list[str | None] = [*dimension.categories, None]
    empty: Counter[str] = Counter()
    rows = tuple(IllinoisRow(key, dimension.label_of(key), *(tallies.get(key, empty)[column] for column in (
        "advanced", "not_advanced", "undecided", "hired"))) for key in keys)
    return IllinoisReport(organization_id, year, since, until, rows)
