"""May this connector receive this candidate's results? The purpose gate, asked for ``recruitment``, plus the
cross-border rule for a connector whose region comes from its settings rather than its declaration.

Returns reason codes (``no_consent:cross_border_transfer``, ``candidate_gone``...), empty when
allowed. The gate itself records its decision and an audit entry in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.consent.gate import check_gate
from candor.consent.service import granted_purposes
from candor.declarations import Purpose
from candor.interviews.models import Candidate, Interview
from candor.jobs.models import Job
from candor.outbox.connectors import RegisteredConnector
from candor.policy.jurisdictions import jurisdictions_of

if TYPE_CHECKING:
    from candor.state import CandorState


def refusal_reasons(state: CandorState, session: Session, subject: str, data: Mapping[str, Any],
                    target: RegisteredConnector) -> list[str]:
    candidate_id = int(subject.split(":", 1)[1])
    if session.scalar(select(Candidate.id).where(Candidate.id == candidate_id)) is None:
        return ["candidate_gone"]
    location = _job_location(session, candidate_id, data.get("interview_id"))
    if location is None:
        return ["no_job_location"]
    answer = check_gate(state, session, plugin=target.plugin, purpose=Purpose.RECRUITMENT,
                        candidate_id=candidate_id, location=location,
                        interview_id=data.get("interview_id") if isinstance(data.get("interview_id"), int)
                        else None)
    codes = [reason.code for reason in answer.reasons]
    declared_region = _declared_region(state, target.plugin)
    if (target.region and target.region != declared_region and target.region not in jurisdictions_of(location)
            and Purpose.CROSS_BORDER_TRANSFER not in granted_purposes(session, candidate_id)):
        codes.append(f"no_consent:{Purpose.CROSS_BORDER_TRANSFER.value}")
    return sorted(set(codes))


def _declared_region(state: CandorState, plugin: str) -> str | None:
    try:
        return state.plugins.declaration(plugin).region
    except KeyError:
        return None


def _job_location(session: Session, candidate_id: int, interview_id: Any) -> str | None:
    query = select(Job.location).join(Interview, Interview.job_id == Job.id).where(
        Interview.candidate_id == candidate_id)
    if isinstance(interview_id, int):
        query = query.where(Interview.id == interview_id)
    return session.scalar(query.order_by(Interview.id.desc()).limit(1))
