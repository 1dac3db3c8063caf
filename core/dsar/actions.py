"""Carrying out a verified request: export, erasure (with connectors), rectification, explanation, opt-out.

Erasure, in order:

1. refused while a legal hold covers the candidate, a job or an organisation of theirs (GDPR Art. 17(3)(e));
2. every connector the candidate's data was disclosed to (``ConnectorDisclosure``) is asked to ``erase`` its
   record; each answer is stored as a receipt (``erased``, ``failed``, ``unsupported``);
3. recordings and exports are deleted from storage; transcripts, analyses, gate decisions and disclosures are
   deleted; consent records are deleted too unless an applicable pack sets a minimum retention for them
   (GDPR Art. 7(1), PIPL Art. 56): then they stay as evidence (they hold no readable personal data: a keyed
   IP hash, a truncated browser name) and retention deletes them once their minimum has passed;
4. the candidate row stays as a tombstone without contact fields or blind indexes (so no one can find it by
   hashing an e-mail address), its interviews stay without links, and the subject is crypto-shredded, so
   what remains, and every backup, is unreadable;
5. audit entries stay: they hold ids only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from candor import audit
from candor.analysis.transcripts import Transcript
from candor.consent.models import ConsentRecord, GateDecision
from candor.db import utcnow
from candor.dsar.export import build_export, logic_description
from candor.dsar.models import (
    ConnectorDisclosure,
    DataSubjectRequest,
    ErasureReceipt,
    ExportPackage,
    RequestType,
)
from candor.dsar.service import DsarError, complete, require_verified
from candor.interviews.models import Analysis, Answer, Candidate, Interview
from candor.jobs.models import Job
from candor.policy.schema import RecordKind
from candor.retention.engine import delete_with_dependents
from candor.retention.models import HoldScope, LegalHold
from candor.vault.keys import shred_subject

if TYPE_CHECKING:
    from candor.state import CandorState

log = logging.getLogger(__name__)
RECTIFIABLE = ("full_name", "email", "phone", "language")


def run_request(
    state: CandorState,
    request_id: int,
    *,
    handler: str,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Carry out a verified request and complete it; returns its result (and ``token`` for exports)."""
    with audit.acting_as(handler, purpose="data_subject_request"):
        if _kind_of(state, request_id) == RequestType.ERASURE:
            return erase(state, request_id, handler=handler)
        with state.db.transaction(immediate=True) as session:
            request = _load(session, request_id)
            require_verified(request)
            request.started_at = request.started_at or utcnow()
            extra: dict[str, Any] = {}
            if request.kind in (RequestType.ACCESS, RequestType.PORTABILITY):
                package, token = build_export(state, session, request)
                result = {
                    "export": package.id,
                    "expires_at": package.expires_at.isoformat(),
                    "max_downloads": package.max_downloads,
                    "size_bytes": package.size_bytes,
                }
                extra["token"] = token
            elif request.kind == RequestType.RECTIFICATION:
                result = rectify(session, request, changes if changes is not None else {})
            elif request.kind == RequestType.EXPLANATION:
                result = {"packet": explanation_packet(state, session, request.candidate_id)}
            else:
                result = opt_out(session, request.candidate_id)
            complete(session, request, handler=handler, result=result)
            return {**result, **extra}


def _kind_of(state: CandorState, request_id: int) -> RequestType:
    with state.db.transaction() as session:
        return RequestType(_load(session, request_id).kind)


def _load(session: Session, request_id: int) -> DataSubjectRequest:
    request = session.get(DataSubjectRequest, request_id)
    if request is None:
        raise DsarError(f"No data-subject request with id {request_id}.")
    return request


# --- rectification, explanation, opt-out ------------------------------------------------------------------


def rectify(session: Session, request: DataSubjectRequest, changes: dict[str, Any]) -> dict[str, Any]:
    """Update the candidate's fields; the request records which fields changed, never the values."""
    unknown = sorted(set(changes) - set(RECTIFIABLE))
    if not changes or unknown:
        raise DsarError(
            f"Give the corrected fields, among: {', '.join(RECTIFIABLE)}"
            + (f" (unknown: {', '.join(unknown)})." if unknown else ".")
        )
    if not all(isinstance(v, str) and v.strip() for v in changes.values()):
        raise DsarError("Corrected values must be non-empty text.")
    candidate = session.get(Candidate, request.candidate_id)
    if candidate is None:
        raise DsarError(f"No candidate with id {request.candidate_id}.")
    for name, value in changes.items():
        setattr(candidate, name, value.strip())
    audit.record(
        session,
        "admin.dsar_rectify",
        f"candidate:{candidate.id}",
        purpose="data_subject_request",
        details={"request": request.id, "fields": sorted(changes)},
    )
    return {"fields": sorted(changes)}


def explanation_packet(state: CandorState, session: Session, candidate_id: int) -> dict[str, Any]:
    """The AI's role and the main elements behind each recommendation (AI Act Art. 86, PIPL Art. 24)."""
    interviews = session.scalars(select(Interview).where(Interview.candidate_id == candidate_id)).all()
    out, plugins = [], set()
    for interview in interviews:
        job = session.get(Job, interview.job_id)
        policy = state.policies.for_location(job.location) if job else None
        elements = []
        for answer in interview.answers:
            for analysis in answer.analyses:
                plugins.add(analysis.plugin)
                elements.append(
                    {
                        "answer": answer.id,
                        "analyzer": analysis.analyzer,
                        "plugin": analysis.plugin,
                        "version": analysis.plugin_version,
                        "state": analysis.state,
                        "main_elements": _summarise(analysis.output),
                    }
                )
        out.append(
            {
                "interview": interview.id,
                "job": job.title if job else None,
                "ai_opt_out": interview.ai_opt_out,
                "ai_role": (
                    "Automated tools produced a recommendation only; a named person took or takes the "
                    "decision."
                    if policy is None or policy.human_decision_required
                    else "Automated tools produced a recommendation that staff considered in the decision."
                ),
                "human_decision_required": bool(policy and policy.human_decision_required),
                "analyses": elements,
            }
        )
    return {
        "format": "candor.explanation.v1",
        "candidate_id": candidate_id,
        "interviews": out,
        "analyzers": logic_description(state, plugins),
    }


def _summarise(output: dict[str, Any] | None) -> dict[str, Any]:
    """The scalar results (scores, labels) of an analysis; long texts and nested details are left out."""
    if not output:
        return {}
    return {
        key: value
        for key, value in output.items()
        if isinstance(value, int | float | bool) or (isinstance(value, str) and len(value) <= 200)
    }


def opt_out(session: Session, candidate_id: int) -> dict[str, Any]:
    """Stop AI evaluation of every interview of the candidate; the purpose gate honours the flag."""
    interviews = session.scalars(select(Interview).where(Interview.candidate_id == candidate_id)).all()
    now = utcnow()
    for interview in interviews:
        if not interview.ai_opt_out:
            interview.ai_opt_out, interview.ai_opt_out_at = True, now
    audit.record(
        session,
        "consent.ai_opt_out",
        f"candidate:{candidate_id}",
        purpose="ai_evaluation",
        details={"interviews": [i.id for i in interviews]},
    )
    return {"interviews": sorted(i.id for i in interviews)}


# --- erasure ----------------------------------------------------------------------------------------------


def holds_on(session: Session, candidate_id: int) -> list[int]:
    """Ids of active legal holds covering the candidate directly or through a job or organisation."""
    candidate = session.get(Candidate, candidate_id)
    jobs = session.execute(
        select(Job.id, Job.organization_id)
        .join(Interview, Interview.job_id == Job.id)
        .where(Interview.candidate_id == candidate_id)
    ).all()
    targets = {(HoldScope.CANDIDATE.value, candidate_id)}
    targets |= {(HoldScope.JOB.value, job_id) for job_id, _ in jobs}
    targets |= {(HoldScope.ORGANIZATION.value, org_id) for _, org_id in jobs}
    if candidate is not None:
        targets.add((HoldScope.ORGANIZATION.value, candidate.organization_id))
    holds = session.execute(
        select(LegalHold.id, LegalHold.scope, LegalHold.target_id).where(LegalHold.released_at.is_(None))
    ).all()
    return [hold_id for hold_id, scope, target in holds if (scope, target) in targets]


def connectors(state: CandorState) -> dict[tuple[str, str], Any]:
    """Every EHR connector of the enabled plugins, by (plugin, connector name)."""
    found: dict[tuple[str, str], Any] = {}
    for plugin, offered in state.plugins.call_each("candor_register_ehr_connectors"):
        for connector in offered:
            found[(plugin, connector.name)] = connector
    return found


def propagate_erasure(
    state: CandorState, disclosures: Sequence[ConnectorDisclosure], request_id: int
) -> list[ErasureReceipt]:
    """Ask each connector that received the data to erase it; one receipt per disclosure, never raising."""
    available = connectors(state)
    receipts = []
    for disclosure in disclosures:
        receipt = ErasureReceipt(
            request_id=request_id,
            plugin=disclosure.plugin,
            connector=disclosure.connector,
            reference=disclosure.reference,
            at=utcnow(),
            receipt="",
            detail="",
        )
        connector = available.get((disclosure.plugin, disclosure.connector))
        erase_method = getattr(connector, "erase", None)
        if connector is None or not callable(erase_method):
            receipt.status = "unsupported"
            receipt.detail = (
                "connector not enabled"
                if connector is None
                else "connector cannot erase; ask the HR system's administrator to delete the record"
            )
        else:
            try:
                answer = erase_method(disclosure.reference)
                receipt.status = "erased"
                receipt.receipt = (
                    str((answer or {}).get("receipt", ""))[:300]
                    if isinstance(answer, dict)
                    else str(answer or "")[:300]
                )
            except Exception as exc:  # a connector failing must not stop the erasure here
                log.warning(
                    "connector %s.%s failed to erase (%s)",
                    disclosure.plugin,
                    disclosure.connector,
                    type(exc).__name__,
                )
                receipt.status, receipt.detail = "failed", type(exc).__name__
        receipts.append(receipt)
    return receipts


def erase(state: CandorState, request_id: int, *, handler: str) -> dict[str, Any]:
    """Carry out an erasure request (see the module docstring); returns counts and receipts."""
    with state.db.transaction(immediate=True) as session:
        request = _load(session, request_id)
        require_verified(request)
        candidate_id = request.candidate_id
        held = holds_on(session, candidate_id)
        if held:
            raise DsarError(
                f"A legal hold ({', '.join(map(str, held))}) covers this candidate; erasure must "
                "wait until it is released. Tell the requester why (GDPR Art. 17(3)(e))."
            )
        request.started_at = request.started_at or utcnow()
        disclosures = session.scalars(
            select(ConnectorDisclosure).where(ConnectorDisclosure.candidate_id == candidate_id)
        ).all()
        receipts = propagate_erasure(state, disclosures, request.id)
        session.add_all(receipts)
        counts = _delete_personal_rows(state, session, candidate_id)
        subject_id = session.get(Candidate, candidate_id).subject_id  # type: ignore[union-attr]
        result = {
            "deleted": counts,
            "receipts": [
                {
                    "plugin": r.plugin,
                    "connector": r.connector,
                    "reference": r.reference,
                    "status": r.status,
                    "receipt": r.receipt,
                }
                for r in receipts
            ],
        }
    shred_subject(state, subject_id)  # its own transaction; after the rows are gone, before completing
    with state.db.transaction(immediate=True) as session:
        request = _load(session, request_id)
        complete(session, request, handler=handler, result=result)
        statuses = [r["status"] for r in result["receipts"]]
        audit.record(
            session,
            "admin.dsar_erase",
            f"candidate:{candidate_id}",
            purpose="data_subject_request",
            details={
                "request": request_id,
                **{f"deleted_{k}": v for k, v in counts.items()},
                **{f"receipts_{s}": statuses.count(s) for s in set(statuses)},
            },
        )
    return result


def _delete_personal_rows(state: CandorState, session: Session, candidate_id: int) -> dict[str, int]:
    interview_ids = list(session.scalars(select(Interview.id).where(Interview.candidate_id == candidate_id)))
    answers = (
        session.execute(
            select(Answer.id, Answer.media_key).where(Answer.interview_id.in_(interview_ids))
        ).all()
        if interview_ids
        else []
    )
    answer_ids = [answer_id for answer_id, _ in answers]
    media = 0
    for _, media_key in answers:
        if media_key and state.storage.exists(media_key):
            state.storage.delete(media_key)
            media += 1
    exports = session.scalars(
        select(ExportPackage)
        .join(DataSubjectRequest)
        .where(DataSubjectRequest.candidate_id == candidate_id, ExportPackage.deleted_at.is_(None))
    ).all()
    for package in exports:
        if state.storage.exists(package.storage_key):
            state.storage.delete(package.storage_key)
        package.deleted_at = utcnow()
    counts = {"media": media, "exports": len(exports)}
    if answer_ids:
        counts["transcripts"] = delete_with_dependents(
            session,
            Transcript.__table__,
            list(
                session.scalars(  # type: ignore[arg-type]
                    select(Transcript.id).where(Transcript.answer_id.in_(answer_ids))
                )
            ),
        )
        counts["analyses"] = delete_with_dependents(
            session,
            Analysis.__table__,
            list(
                session.scalars(  # type: ignore[arg-type]
                    select(Analysis.id).where(Analysis.answer_id.in_(answer_ids))
                )
            ),
        )
        session.execute(update(Answer).where(Answer.id.in_(answer_ids)).values(media_key=None))
    counts["gate_decisions"] = (
        session.execute(delete(GateDecision).where(GateDecision.candidate_id == candidate_id)).rowcount or 0
    )
    counts["disclosures"] = (
        session.execute(
            delete(ConnectorDisclosure).where(ConnectorDisclosure.candidate_id == candidate_id)
        ).rowcount
        or 0
    )
    if _consent_evidence_required(state, session, candidate_id):
        counts["consent_records_kept"] = len(
            session.scalars(select(ConsentRecord.id).where(ConsentRecord.candidate_id == candidate_id)).all()
        )
    else:
        counts["consent_records"] = delete_with_dependents(
            session,
            ConsentRecord.__table__,
            list(  # type: ignore[arg-type]
                session.scalars(select(ConsentRecord.id).where(ConsentRecord.candidate_id == candidate_id))
            ),
        )
    if interview_ids:
        session.execute(
            update(Interview).where(Interview.id.in_(interview_ids)).values(access_nonce_hash=None)
        )
    session.execute(
        update(Candidate)
        .where(Candidate.id == candidate_id)
        .values(
            email_sealed=None,
            email_index=None,
            phone_sealed=None,
            phone_index=None,
            external_ref_sealed=None,
            external_ref_index=None,
        )
    )
    return counts


def _consent_evidence_required(state: CandorState, session: Session, candidate_id: int) -> bool:
    locations = session.scalars(
        select(Job.location)
        .join(Interview, Interview.job_id == Job.id)
        .where(Interview.candidate_id == candidate_id)
        .distinct()
    ).all()
    for location in locations:
        rule = state.policies.for_location(location).retention.get(RecordKind.CONSENT_RECORD)
        if rule is not None and rule.min_days is not None:
            return True
    return False
