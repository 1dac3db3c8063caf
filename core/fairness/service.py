"""Recording a candidate's voluntary answers, and reading them back only as anonymous observations.

A candidate's answers are stored only while they consent to the ``bias_audit`` purpose; the reports count a
person's categories only while that consent stands (a withdrawal turns them into "unknown" at once). The
reading side returns ``Observation`` objects: categories and the tool's output, with no ids, so that nothing
downstream of it can tie a category back to a person.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.consent.models import ConsentRecord
from candor.consent.service import granted_purposes
from candor.db import utcnow
from candor.declarations import Purpose
from candor.fairness.metrics import Observation
from candor.fairness.models import DemographicRecord, InterviewOutcome
from candor.fairness.vocabulary import DECLINE, Vocabulary
from candor.interviews.models import Interview

_CHUNK = 500  # ids per IN (...) query; keeps statements well under every database's parameter limit


class ConsentMissing(PermissionError):
    """The candidate has not consented to the bias_audit purpose, so nothing is stored."""

    def __init__(self) -> None:
        super().__init__("Demographic answers are kept only with your consent to their use in aggregate bias "
                         "audits. Give that consent on the notice first, or simply skip these questions.")


def record_demographics(session: Session, vocabulary: Vocabulary, candidate_id: int,
                        answers: Mapping[str, Any]) -> DemographicRecord:
    """Store (or replace) the candidate's answers, sealed; ``ConsentMissing`` without bias_audit consent."""
    if Purpose.BIAS_AUDIT not in granted_purposes(session, candidate_id):
        raise ConsentMissing()
    checked = vocabulary.check_answers(answers)  # VocabularyError names the offending answer
    record = session.scalar(select(DemographicRecord).where(DemographicRecord.candidate_id == candidate_id))
    if record is None:
        record = DemographicRecord(candidate_id=candidate_id)
        session.add(record)
    record.answers = json.dumps(checked, sort_keys=True)
    record.updated_at = utcnow()
    session.flush()
    return record


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def consenting(session: Session, candidate_ids: Iterable[int]) -> set[int]:
    """Those of ``candidate_ids`` whose latest bias_audit decision is a grant not withdrawn."""
    wanted = sorted(set(candidate_ids))
    latest: dict[int, ConsentRecord] = {}
    for chunk in _chunks(wanted):
        rows = session.scalars(select(ConsentRecord).where(
            ConsentRecord.candidate_id.in_(chunk), ConsentRecord.purpose == Purpose.BIAS_AUDIT.value,
        ).order_by(ConsentRecord.id))
        for row in rows:
            latest[row.candidate_id] = row
    return {cid for cid, row in latest.items() if row.granted and row.withdrawn_at is None}


def categories_of(session: Session, candidate_ids: Iterable[int],
                  dimensions: Sequence[str]) -> dict[int, dict[str, str | None]]:
    """Each consenting candidate's category per dimension (None for declined); reads are audited."""
    allowed = sorted(consenting(session, candidate_ids))
    found: dict[int, dict[str, str | None]] = {}
    for chunk in _chunks(allowed):
        query = select(DemographicRecord).where(DemographicRecord.candidate_id.in_(chunk))
        for record in session.scalars(query):
            choices = record.choices()
            found[record.candidate_id] = {d: (None if choices.get(d, DECLINE) == DECLINE else choices[d])
                                          for d in dimensions}
    return found


@dataclass(frozen=True)
class Sample:
    observations: tuple[Observation, ...]
    interviews: int
    with_answers: int  # people whose categories the report could use


def interview_sample(session: Session, dimensions: Sequence[str], *, job_id: int | None = None,
                     organization_id: int | None = None, since: datetime | None = None,
                     until: datetime | None = None) -> Sample:
    """One observation per interview of the job (or organisation) created in ``[since, until)``."""
    from candor.jobs.models import Job

    query = select(Interview, InterviewOutcome).outerjoin(
        InterviewOutcome, InterviewOutcome.interview_id == Interview.id)
    if job_id is not None:
        query = query.where(Interview.job_id == job_id)
    if organization_id is not None:
        query = query.join(Job, Job.id == Interview.job_id).where(Job.organization_id == organization_id)
    if since is not None:
        query = query.where(Interview.created_at >= since)
    if until is not None:
        query = query.where(Interview.created_at < until)
    rows = session.execute(query.order_by(Interview.id)).all()
    groups = categories_of(session, [interview.candidate_id for interview, _ in rows], dimensions)
    unknown: dict[str, str | None] = dict.fromkeys(dimensions)
    observations = tuple(
        Observation(groups=groups.get(interview.candidate_id, unknown),
                    score=outcome.score if outcome is not None else None,
                    selected=outcome.selected if outcome is not None else None)
        for interview, outcome in rows)
    answered = sum(1 for interview, _ in rows if interview.candidate_id in groups)
    return Sample(observations, len(rows), answered)


def hired_sample(session: Session, organization_id: int, since: datetime, until: datetime,
                 dimension: str) -> list[tuple[str | None, bool | None, bool | None]]:
    """(category, advanced, hired) per interview of the organisation in the period, for Illinois §20."""
    from candor.jobs.models import Job

    rows = session.execute(
        select(Interview, InterviewOutcome)
        .outerjoin(InterviewOutcome, InterviewOutcome.interview_id == Interview.id)
        .join(Job, Job.id == Interview.job_id)
        .where(Job.organization_id == organization_id, Interview.created_at >= since,
               Interview.created_at < until)
        .order_by(Interview.id)).all()
    groups = categories_of(session, [interview.candidate_id for interview, _ in rows], [dimension])
    return [(groups.get(interview.candidate_id, {}).get(dimension),
             outcome.selected if outcome is not None else None,
             outcome.hired if outcome is not None else None) for interview, outcome in rows]
