"""Retention enforcement: which rows are past their time under the applicable packs, the dry-run plan and the
run that purges exactly what the plan lists.

Categories and where they live:

- ``video``: answer recordings (``Answer.media_key``). Answers hold one recording that carries both picture
  and sound, so the stricter of the ``video`` and ``audio`` maxima applies; the encrypted file is deleted and
  the answer keeps no media key.
- ``transcript``: ``Transcript`` rows.
- ``assessment``: ``Analysis`` rows (scores, explanations), aged from when the analysis finished.
- ``consent_record``: ``ConsentRecord`` rows; never before the longest minimum (evidence of consent).
- ``attendance``: ``CheckIn`` rows (new hires' punches), aged from the punch, under the rule for the
  employee's job location (the organisation's first jurisdiction without a job); held with the employee's
  candidate, job or organisation. The evaluated days (statuses, no times) stay with the employment record.
- ``audit_log``: never purged here (the table refuses deletion; PIPL asks three years); reported as retained.

Ages count from when the data was collected or produced, which never keeps anything longer than a rule that
counts from the end of the recruitment would. A row's rule is the merged policy of its job's location; a row
reached through several jobs (a consent record without an interview) takes the strictest of them. With no
maximum (no pack applies, or none limits the category) a row is kept. A row in the scope of an active legal
hold (its candidate, job or organisation) is kept and counted as held.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from candor import audit
from candor.analysis.transcripts import Transcript
from candor.audit.models import AuditEntry
from candor.consent.models import ConsentRecord
from candor.db import Base, utcnow
from candor.declarations import DataCategory
from candor.interviews.models import Analysis, Answer, Interview
from candor.jobs.models import Job
from candor.policy.schema import RecordKind
from candor.retention.models import HoldScope, LegalHold, RetentionLock, RetentionPurge

if TYPE_CHECKING:
    from candor.state import CandorState

CATEGORIES = ("video", "transcript", "assessment", "consent_record", "attendance", "audit_log")
LOCK_SECONDS = 15 * 60  # a run that crashed frees the lock after this long


@dataclass(frozen=True)
class Rule:
    max_days: int | None
    min_days: int | None

    def due(self, born: datetime, now: datetime) -> bool:
        if self.max_days is None:
            return False
        keep_until = born + timedelta(days=max(self.max_days, self.min_days or 0))
        return keep_until <= now


@dataclass
class CategoryPlan:
    due: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    kept: int = 0  # not yet due, or no maximum applies

    def to_dict(self) -> dict[str, Any]:
        return {
            "due": len(self.due),
            "due_ids": sorted(self.due),
            "held": len(self.held),
            "held_ids": sorted(self.held),
            "kept": self.kept,
        }


@dataclass
class Plan:
    at: datetime
    categories: dict[str, CategoryPlan]
    audit_log_retained: int
    audit_log_min_days: int | None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: plan.to_dict() for name, plan in self.categories.items()}
        data["audit_log"] = {
            "due": 0,
            "retained": self.audit_log_retained,
            "min_days": self.audit_log_min_days,
            "note": "audit entries are never purged by retention",
        }
        return {"at": self.at.isoformat(), "categories": data}


class _Holds:
    def __init__(self, session: Session) -> None:
        rows = session.execute(
            select(LegalHold.scope, LegalHold.target_id).where(LegalHold.released_at.is_(None))
        ).all()
        self.by_scope: dict[str, set[int]] = {scope.value: set() for scope in HoldScope}
        for scope, target in rows:
            self.by_scope[scope].add(target)

    def covers(
        self,
        candidate_id: int | None,
        job_ids: int | set[int] | None,
        organization_ids: int | set[int] | None,
    ) -> bool:
        jobs = job_ids if isinstance(job_ids, set) else {job_ids}
        orgs = organization_ids if isinstance(organization_ids, set) else {organization_ids}
        return (
            candidate_id in self.by_scope[HoldScope.CANDIDATE]
            or bool(jobs & self.by_scope[HoldScope.JOB])
            or bool(orgs & self.by_scope[HoldScope.ORGANIZATION])
        )


class _Rules:
    """Merged rules per location, cached for one plan."""

    def __init__(self, state: CandorState) -> None:
        self.state = state
        self._cache: dict[tuple[str, str], Rule] = {}

    def for_location(self, location: str, category: str) -> Rule:
        key = (location, category)
        if key not in self._cache:
            merged = self.state.policies.for_location(location).retention
            subjects: list[Any] = (
                [DataCategory.VIDEO, DataCategory.AUDIO]
                if category == "video"
                else [RecordKind(category)]
                if category in ("consent_record", "audit_log")
                else [DataCategory(category)]
            )
            maxima = [merged[s].max_days for s in subjects if s in merged and merged[s].max_days is not None]
            minima = [merged[s].min_days for s in subjects if s in merged and merged[s].min_days is not None]
            self._cache[key] = Rule(min(maxima) if maxima else None, max(minima) if minima else None)
        return self._cache[key]

    def strictest(self, locations: Iterable[str], category: str) -> Rule:
        rules = [self.for_location(location, category) for location in set(locations)]
        maxima = [r.max_days for r in rules if r.max_days is not None]
        minima = [r.min_days for r in rules if r.min_days is not None]
        return Rule(min(maxima) if maxima else None, max(minima) if minima else None)


def make_plan(state: CandorState, session: Session, *, now: datetime | None = None) -> Plan:
    """What a run at ``now`` would purge, per category, with the ids; changes nothing."""
    now = now or utcnow()
    holds, rules = _Holds(session), _Rules(state)
    plans = {name: CategoryPlan() for name in CATEGORIES if name != "audit_log"}

    def consider(
        category: str, row_id: int, born: datetime | None, rule: Rule, scope: tuple[Any, Any, Any]
    ) -> None:
        plan = plans[category]
        if born is None or not rule.due(born, now):
            plan.kept += 1
        elif holds.covers(*scope):
            plan.held.append(row_id)
        else:
            plan.due.append(row_id)

    context = (Interview.candidate_id, Job.id, Job.organization_id, Job.location)
    media = session.execute(
        select(Answer.id, Answer.created_at, *context)
        .join(Interview, Answer.interview_id == Interview.id)
        .join(Job, Interview.job_id == Job.id)
        .where(Answer.media_key.is_not(None))
    ).all()
    for answer_id, born, candidate_id, job_id, org_id, location in media:
        consider(
            "video", answer_id, born, rules.for_location(location, "video"), (candidate_id, job_id, org_id)
        )
    transcripts = session.execute(
        select(Transcript.id, Transcript.created_at, *context)
        .join(Answer, Transcript.answer_id == Answer.id)
        .join(Interview, Answer.interview_id == Interview.id)
        .join(Job, Interview.job_id == Job.id)
    ).all()
    for row_id, born, candidate_id, job_id, org_id, location in transcripts:
        consider(
            "transcript",
            row_id,
            born,
            rules.for_location(location, "transcript"),
            (candidate_id, job_id, org_id),
        )
    analyses = session.execute(
        select(Analysis.id, func.coalesce(Analysis.finished_at, Analysis.started_at), *context)
        .join(Answer, Analysis.answer_id == Answer.id)
        .join(Interview, Answer.interview_id == Interview.id)
        .join(Job, Interview.job_id == Job.id)
    ).all()
    for row_id, born, candidate_id, job_id, org_id, location in analyses:
        consider(
            "assessment",
            row_id,
            born,
            rules.for_location(location, "assessment"),
            (candidate_id, job_id, org_id),
        )
    _plan_consents(session, rules, consider)
    _plan_check_ins(session, rules, consider)
    minimum = rules.strictest(
        [loc for (loc,) in session.execute(select(Job.location).distinct())], "audit_log"
    )
    retained = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return Plan(now, plans, retained, minimum.min_days)


def _plan_consents(session: Session, rules: _Rules, consider: Any) -> None:
    jobs_of_candidate: dict[int, list[tuple[int, int, str]]] = {}
    for candidate_id, job_id, org_id, location in session.execute(
        select(Interview.candidate_id, Job.id, Job.organization_id, Job.location).join(
            Job, Interview.job_id == Job.id
        )
    ):
        jobs_of_candidate.setdefault(candidate_id, []).append((job_id, org_id, location))
    interview_job = dict(session.execute(select(Interview.id, Interview.job_id)).all())
    for row_id, born, candidate_id, interview_id in session.execute(
        select(
            ConsentRecord.id, ConsentRecord.created_at, ConsentRecord.candidate_id, ConsentRecord.interview_id
        )
    ):
        jobs = jobs_of_candidate.get(candidate_id, [])
        if interview_id is not None:
            jobs = [j for j in jobs if j[0] == interview_job.get(interview_id)] or jobs
        rule = rules.strictest([location for _, _, location in jobs], "consent_record")
        consider(
            "consent_record", row_id, born, rule, (candidate_id, {j[0] for j in jobs}, {j[1] for j in jobs})
        )


def _plan_check_ins(session: Session, rules: _Rules, consider: Any) -> None:
    from candor.attendance.models import CheckIn
    from candor.onboarding.models import Employee
    from candor.orgs.models import Organization

    rows = session.execute(
        select(CheckIn.id, CheckIn.checked_at, Employee.candidate_id, Employee.job_id, Employee.organization_id,
               Job.location, Organization.jurisdictions)
        .join(Employee, CheckIn.employee_id == Employee.id)
        .join(Organization, Employee.organization_id == Organization.id)
        .outerjoin(Job, Employee.job_id == Job.id)
    ).all()
    for row_id, born, candidate_id, job_id, org_id, location, jurisdictions in rows:
        where = location or (list(jurisdictions or []) or [""])[0]
        rule = rules.for_location(where, "attendance") if where else Rule(None, None)
        consider("attendance", row_id, born, rule, (candidate_id, job_id, org_id))


# --- running ----------------------------------------------------------------------------------------------


def delete_with_dependents(session: Session, table: Table, ids: list[int]) -> int:
    """Delete rows of ``table`` by id after the rows of any table that refers to them (by foreign key).

    Features added later (reviews of an analysis, say) hang rows off these tables; deleting what depends on a
    purged row keeps the purge from failing on a constraint and leaves nothing that points at nothing.
    """
    if not ids:
        return 0
    for other in Base.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table is table and other is not table:
                dependent = (
                    [row for (row,) in session.execute(select(other.c.id).where(fk.parent.in_(ids)))]
                    if "id" in other.c
                    else []
                )
                if dependent:
                    delete_with_dependents(session, other, dependent)
                elif "id" not in other.c:
                    session.execute(delete(other).where(fk.parent.in_(ids)))
    return session.execute(delete(table).where(table.c.id.in_(ids))).rowcount or 0


def _check_ins_table() -> Table:
    from candor.attendance.models import CheckIn

    return CheckIn.__table__  # type: ignore[return-value]


def purge(state: CandorState, session: Session, plan: Plan) -> dict[str, list[int]]:
    """Purge what ``plan`` lists as due; returns the purged ids per category."""
    purged: dict[str, list[int]] = {}
    media_ids = plan.categories["video"].due
    if media_ids:
        for _answer_id, media_key in session.execute(
            select(Answer.id, Answer.media_key).where(Answer.id.in_(media_ids))
        ).all():
            if media_key and state.storage.exists(media_key):
                state.storage.delete(media_key)  # an encrypted file; a retry finds it gone and moves on
        session.execute(update(Answer).where(Answer.id.in_(media_ids)).values(media_key=None))
    purged["video"] = sorted(media_ids)
    tables = {
        "transcript": Transcript.__table__,
        "assessment": Analysis.__table__,
        "consent_record": ConsentRecord.__table__,
        "attendance": _check_ins_table(),
    }
    for category, table in tables.items():
        ids = sorted(plan.categories[category].due)
        delete_with_dependents(session, table, ids)  # type: ignore[arg-type]
        purged[category] = ids
    return purged


def acquire_lock(state: CandorState, *, min_interval: timedelta | None = None) -> bool:
    """Take the run lock unless another run holds it (or, with ``min_interval``, one ran that recently)."""
    now = utcnow()
    with state.db.transaction(immediate=True) as session:
        if session.get(RetentionLock, 1) is None:
            session.add(RetentionLock(id=1))
            session.flush()
        condition = (RetentionLock.held_until.is_(None)) | (RetentionLock.held_until < now)
        if min_interval is not None:
            condition = condition & (
                (RetentionLock.last_run_at.is_(None)) | (RetentionLock.last_run_at < now - min_interval)
            )
        result = session.execute(
            update(RetentionLock)
            .where(RetentionLock.id == 1, condition)
            .values(held_until=now + timedelta(seconds=LOCK_SECONDS))
        )
        return (result.rowcount or 0) == 1


def release_lock(state: CandorState) -> None:
    with state.db.transaction(immediate=True) as session:
        session.execute(
            update(RetentionLock).where(RetentionLock.id == 1).values(held_until=None, last_run_at=utcnow())
        )


@dataclass
class RunResult:
    run_id: str
    purged: dict[str, list[int]]
    plan: Plan


def run_retention(
    state: CandorState, *, now: datetime | None = None, min_interval: timedelta | None = None
) -> RunResult | None:
    """Plan and purge in one transaction, log what was purged; ``None`` when another run holds the lock."""
    if not acquire_lock(state, min_interval=min_interval):
        return None
    try:
        run_id = uuid.uuid4().hex
        with (
            audit.acting_as("system:retention", purpose="retention"),
            state.db.transaction(immediate=True) as session,
        ):
            plan = make_plan(state, session, now=now)
            purged = purge(state, session, plan)
            for category, ids in purged.items():
                session.add(
                    RetentionPurge(
                        run_id=run_id,
                        category=category,
                        purged=len(ids),
                        ids=ids,
                        held=len(plan.categories[category].held),
                    )
                )
            audit.record(
                session,
                "system.retention_purge",
                f"retention:{run_id}",
                purpose="retention",
                details={
                    **{f"purged_{c}": len(i) for c, i in purged.items()},
                    **{f"held_{c}": len(p.held) for c, p in plan.categories.items()},
                },
            )
        return RunResult(run_id, purged, plan)
    finally:
        release_lock(state)


def run_if_due(state: CandorState) -> RunResult | None:
    """For the worker's periodic sweep: cheap when a run happened within the configured interval."""
    return run_retention(state, min_interval=timedelta(hours=1))
