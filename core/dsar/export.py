"""Access and portability: the candidate's data as JSON plus their recordings, in one zip, encrypted at rest
and delivered through a signed link that expires and works a few times.

The zip is sealed with the candidate's own data key (``candor.vault.media``), so erasing the candidate also
makes any export left behind unreadable. It is assembled in a private temporary file in ``<data_dir>/tmp``
that is removed as soon as it is sealed. The link carries the export's id and a random nonce (only its hash
is stored), signed like candidate links; it is sent in the query string, which is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.analysis.transcripts import Transcript
from candor.consent.models import ConsentRecord, GateDecision
from candor.db import utcnow
from candor.dsar.models import DataSubjectRequest, ExportPackage
from candor.dsar.service import DsarError
from candor.interviews.models import Answer, Candidate, Interview, Question
from candor.jobs.models import Job
from candor.vault.media import iter_media, store_media

if TYPE_CHECKING:
    from candor.state import CandorState

SALT = "candor.dsar-export.v1"
LINK_LIFETIME = timedelta(days=7)
MAX_DOWNLOADS = 3


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def logic_description(state: CandorState, plugins: set[str]) -> list[dict[str, Any]]:
    """How each plugin that processed the candidate works, in its own declared words."""
    described = []
    for info in state.plugins.enabled():
        declaration = info.declaration
        if declaration is None or declaration.name not in plugins:
            continue
        described.append(
            {
                "plugin": declaration.name,
                "title": declaration.title,
                "description": declaration.description,
                "purposes": sorted(str(p) for p in declaration.purposes),
                "data_categories": sorted(str(c) for c in declaration.data_categories),
                "limits": list(declaration.limits),
                "version": info.version,
            }
        )
    return described


def subject_data(state: CandorState, session: Session, candidate: Candidate) -> dict[str, Any]:
    """Everything Candor holds about the candidate, decrypted (it is their own data)."""
    interviews = session.scalars(
        select(Interview).where(Interview.candidate_id == candidate.id).order_by(Interview.id)
    ).all()
    out_interviews, plugins = [], set()
    for interview in interviews:
        job = session.get(Job, interview.job_id)
        answers = []
        for answer in interview.answers:
            question = session.get(Question, answer.question_id)
            transcript = session.scalar(select(Transcript).where(Transcript.answer_id == answer.id))
            analyses = []
            for analysis in answer.analyses:
                plugins.add(analysis.plugin)
                analyses.append(
                    {
                        "analyzer": analysis.analyzer,
                        "plugin": analysis.plugin,
                        "version": analysis.plugin_version,
                        "model_id": analysis.model_id,
                        "state": analysis.state,
                        "output": analysis.output,
                        "error": analysis.error,
                        "finished_at": _iso(analysis.finished_at),
                    }
                )
            answers.append(
                {
                    "id": answer.id,
                    "attempt": answer.attempt,
                    "state": answer.state,
                    "question": {
                        "id": question.id,
                        "text": question.text,
                        "kind": question.kind,
                        "competencies": question.competencies,
                    }
                    if question
                    else None,
                    "duration_seconds": answer.duration_seconds,
                    "recorded_at": _iso(answer.created_at),
                    "media_file": f"media/answer-{answer.id}.bin" if answer.media_key else None,
                    "transcript": {
                        "language": transcript.language,
                        "engine": transcript.engine,
                        "text": transcript.full_text,
                    }
                    if transcript
                    else None,
                    "analyses": analyses,
                }
            )
        out_interviews.append(
            {
                "id": interview.id,
                "job": {"id": job.id, "title": job.title, "location": job.location} if job else None,
                "state": interview.state,
                "created_at": _iso(interview.created_at),
                "ai_opt_out": interview.ai_opt_out,
                "answers": answers,
                "history": [
                    {"from": t.from_state, "to": t.to_state, "at": _iso(t.at)} for t in interview.transitions
                ],
            }
        )
    consents = session.scalars(
        select(ConsentRecord).where(ConsentRecord.candidate_id == candidate.id).order_by(ConsentRecord.id)
    ).all()
    decisions = session.scalars(
        select(GateDecision).where(GateDecision.candidate_id == candidate.id).order_by(GateDecision.id)
    ).all()
    plugins |= {d.plugin for d in decisions}
    return {
        "format": "candor.subject-export.v1",
        "generated_at": utcnow().isoformat(),
        "candidate": {
            "id": candidate.id,
            "full_name": candidate.full_name,
            "email": candidate.email,
            "phone": candidate.phone,
            "external_ref": candidate.external_ref,
            "language": candidate.language,
            "created_at": _iso(candidate.created_at),
        },
        "interviews": out_interviews,
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "notice_version": c.notice_version,
                "language": c.language,
                "channel": c.channel,
                "at": _iso(c.created_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in consents
        ],
        "gate_decisions": [
            {
                "plugin": d.plugin,
                "purpose": d.purpose,
                "allowed": d.allowed,
                "reasons": d.reasons,
                "at": _iso(d.at),
            }
            for d in decisions
        ],
        "logic": logic_description(state, plugins),
    }


def build_export(
    state: CandorState,
    session: Session,
    request: DataSubjectRequest,
    *,
    lifetime: timedelta = LINK_LIFETIME,
    max_downloads: int = MAX_DOWNLOADS,
) -> tuple[ExportPackage, str]:
    """Write the encrypted zip and return its package row and the download token."""
    candidate = session.get(Candidate, request.candidate_id)
    if candidate is None:
        raise DsarError(f"No candidate with id {request.candidate_id}.")
    data = subject_data(state, session, candidate)
    folder = state.settings.data_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=folder, prefix="export-", suffix=".zip")
    os.close(fd)
    path = Path(name)
    storage_key = f"exports/{secrets.token_hex(16)}.zip"
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
            answers = session.scalars(
                select(Answer)
                .join(Interview)
                .where(Interview.candidate_id == candidate.id, Answer.media_key.is_not(None))
            ).all()
            for answer in answers:
                with archive.open(f"media/answer-{answer.id}.bin", "w", force_zip64=True) as member:
                    for chunk in iter_media(state, candidate.subject, answer.media_key or ""):
                        member.write(chunk)
        with path.open("rb") as source:
            size = store_media(state, candidate.subject, storage_key, source)
    finally:
        with suppress(FileNotFoundError):
            path.unlink()
    nonce = secrets.token_urlsafe(18)
    package = ExportPackage(
        request_id=request.id,
        storage_key=storage_key,
        size_bytes=size,
        nonce_hash=hashlib.sha256(nonce.encode()).hexdigest(),
        expires_at=utcnow() + lifetime,
        max_downloads=max_downloads,
        downloads=0,
    )
    session.add(package)
    session.flush()
    token = URLSafeTimedSerializer(state.app_secret, salt=SALT).dumps({"x": package.id, "n": nonce})
    return package, token


def open_download(state: CandorState, session: Session, token: str) -> tuple[ExportPackage, Candidate]:
    """The package a token opens, counted as one download; ``DsarError`` says why one is refused."""
    try:
        data = URLSafeTimedSerializer(state.app_secret, salt=SALT).loads(
            token, max_age=int(LINK_LIFETIME.total_seconds()) * 4
        )
    except SignatureExpired:
        raise DsarError("This download link has expired. Ask for your data again.") from None
    except BadSignature:
        raise DsarError("This download link is not valid. Check that it was copied whole.") from None
    package = session.get(ExportPackage, data.get("x")) if isinstance(data, dict) else None
    if (
        package is None
        or not isinstance(data.get("n"), str)
        or not hmac.compare_digest(package.nonce_hash, hashlib.sha256(data["n"].encode()).hexdigest())
    ):
        raise DsarError("This download link is not valid. Check that it was copied whole.")
    request = session.get(DataSubjectRequest, package.request_id)
    subject = f"candidate:{request.candidate_id}" if request else "dsar:unknown"
    if package.deleted_at is not None or package.expires_at <= utcnow():
        audit.record(
            session,
            "access.dsar_download",
            subject,
            outcome="denied",
            purpose="data_subject_request",
            details={"export": package.id, "problem": "expired"},
        )
        raise DsarError("This download link has expired. Ask for your data again.")
    if package.downloads >= package.max_downloads:
        audit.record(
            session,
            "access.dsar_download",
            subject,
            outcome="denied",
            purpose="data_subject_request",
            details={"export": package.id, "problem": "used_up"},
        )
        raise DsarError("This download link was used as many times as allowed. Ask for your data again.")
    package.downloads += 1
    audit.record(
        session,
        "access.dsar_download",
        subject,
        purpose="data_subject_request",
        details={"export": package.id, "download": package.downloads},
    )
    candidate = session.get(Candidate, request.candidate_id) if request else None
    if candidate is None:
        raise DsarError("This export no longer exists.")
    return package, candidate


def stream_export(state: CandorState, candidate: Candidate, package: ExportPackage) -> Iterator[bytes]:
    return iter_media(state, candidate.subject, package.storage_key)


def download_url(state: CandorState, token: str) -> str:
    """The address to send the requester: the token rides in the query string, which is never logged."""
    return f"{state.settings.public_url.rstrip('/')}/api/v1/dsar/download?t={token}"
