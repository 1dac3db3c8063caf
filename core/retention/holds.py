"""Placing, releasing and listing legal holds, recorded in the audit log.

A hold names what it covers by scope and id (a candidate, a job or an organisation) and a reason that is a
case reference, never personal data. While it is active, retention keeps everything in its scope and erasure
requests covering it wait.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.interviews.models import Candidate
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.retention.models import HoldScope, LegalHold

#: Accepted spellings of each scope (British and American "organisation").
SCOPE_NAMES = {"candidate": HoldScope.CANDIDATE, "job": HoldScope.JOB,
               "organisation": HoldScope.ORGANIZATION, "organization": HoldScope.ORGANIZATION}
_TARGETS: dict[HoldScope, type[Any]] = {HoldScope.CANDIDATE: Candidate, HoldScope.JOB: Job,
                                         HoldScope.ORGANIZATION: Organization}


class HoldError(Exception):
    """A hold cannot be placed or released; the message says why and what to do."""


def place_hold(session: Session, scope: str, target_id: int, *, reason: str, actor: str) -> LegalHold:
    if scope not in SCOPE_NAMES:
        raise HoldError(f"Unknown scope {scope!r}; use candidate, job or organisation.")
    kind = SCOPE_NAMES[scope]
    reason = reason.strip()
    if not reason or len(reason) > 300:
        raise HoldError("Give the hold's reason as a case reference of at most 300 characters "
                        "(no personal data), e.g. 'litigation 2025-17'.")
    if session.get(_TARGETS[kind], target_id) is None:
        raise HoldError(f"No {kind.value} with id {target_id}.")
    hold = LegalHold(scope=kind, target_id=target_id, reason=reason, placed_by=actor, placed_at=utcnow())
    session.add(hold)
    session.flush()
    audit.record(session, "admin.legal_hold_place", f"legal_hold:{hold.id}", purpose="retention",
                 details={"scope": kind.value, "target": target_id})
    return hold


def release_hold(session: Session, hold_id: int, *, actor: str) -> LegalHold:
    hold = session.get(LegalHold, hold_id)
    if hold is None:
        raise HoldError(f"No legal hold with id {hold_id}; list the active ones: candor retention hold list.")
    if hold.released_at is not None:
        raise HoldError(f"Legal hold {hold_id} was released already ({hold.released_at.date().isoformat()}).")
    hold.released_at, hold.released_by = utcnow(), actor
    audit.record(session, "admin.legal_hold_release", f"legal_hold:{hold.id}", purpose="retention",
                 details={"scope": hold.scope, "target": hold.target_id})
    return hold


def list_holds(session: Session, *, include_released: bool = False) -> list[LegalHold]:
    query = select(LegalHold).order_by(LegalHold.id)
    if not include_released:
        query = query.where(LegalHold.released_at.is_(None))
    return list(session.scalars(query))


def hold_dict(hold: LegalHold) -> dict[str, Any]:
    return {
        "id": hold.id,
        "scope": hold.scope,
        "target_id": hold.target_id,
        "reason": hold.reason,
        "placed_by": hold.placed_by,
        "placed_at": hold.placed_at.isoformat(),
        "released_at": hold.released_at.isoformat() if hold.released_at else None,
        "released_by": hold.released_by,
    }
