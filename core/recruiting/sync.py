"""Pulling jobs and applicants from HR-system connectors into intake, from where the last pull stopped.

A connector's ``pull_jobs(since)`` yields mappings with ``external_ref``, ``title``, ``description``,
``requirements``, ``location``, ``language`` and ``modified``; ``pull_applicants(since)`` yields
``external_ref`` (the person), ``application_ref``, ``job_ref``, ``full_name``, ``email``, ``phone``,
``language`` and ``modified`` (ISO 8601 text that sorts in time order). One sync is one transaction: a
connector failing half-way (down, 500s, malformed answers) leaves nothing half-synced and the cursor where it
was, and the unit of work retries. A row that intake refuses is counted with its reason and skipped, so one
bad record never blocks the others; it comes again when it is changed at the source.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.jobs.models import Job
from candor.recruiting.intake import IntakeError, intake_applicant, release, upsert_job
from candor.recruiting.models import SyncCursor

if TYPE_CHECKING:
    from candor.state import CandorState
    from candor.tasks.work import WorkContext

SYNC_KIND = "core.sync_ehr"


@dataclass
class SyncReport:
    jobs: int = 0
    applicants: int = 0
    released: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "jobs": self.jobs,
            "applicants": self.applicants,
            "released": self.released,
            "skipped": dict(self.skipped),
        }


def connectors_of(state: CandorState, plugin: str | None = None) -> list[tuple[str, Any]]:
    found = [
        (name, connector)
        for name, offered in state.plugins.call_each("candor_register_ehr_connectors")
        for connector in offered
        if plugin is None or name == plugin
    ]
    if plugin is not None and not found:
        raise LookupError(f"No enabled and configured plugin {plugin!r} offers an EHR connector.")
    return found


def _cursor(session: Session, plugin: str, connector: str, kind: str) -> SyncCursor:
    cursor = session.scalar(
        select(SyncCursor).where(
            SyncCursor.plugin == plugin, SyncCursor.connector == connector, SyncCursor.kind == kind
        )
    )
    if cursor is None:
        cursor = SyncCursor(plugin=plugin, connector=connector, kind=kind)
        session.add(cursor)
    return cursor


def sync_connector(
    state: CandorState, session: Session, plugin: str, connector: Any, *, organization_id: int
) -> SyncReport:
    """Pull one connector's changes into ``session`` (the caller commits)."""
    report = SyncReport()
    jobs_cursor = _cursor(session, plugin, connector.name, "jobs")
    newest = jobs_cursor.since
    for row in connector.pull_jobs(jobs_cursor.since):
        try:
            upsert_job(
                session,
                organization_id=organization_id,
                external_ref=str(row.get("external_ref") or ""),
                title=str(row.get("title") or ""),
                description=str(row.get("description") or ""),
                requirements=str(row.get("requirements") or ""),
                location=str(row.get("location") or ""),
                language=str(row.get("language") or "en"),
            )
            report.jobs += 1
        except IntakeError as exc:
            report.skipped[f"job: {_reason(exc)}"] += 1
        newest = max(filter(None, (newest, row.get("modified"))), default=None)
    jobs_cursor.since, jobs_cursor.last_run_at = newest, utcnow()

    applicants_cursor = _cursor(session, plugin, connector.name, "applicants")
    newest = applicants_cursor.since
    for row in connector.pull_applicants(applicants_cursor.since):
        newest = max(filter(None, (newest, row.get("modified"))), default=None)
        job_id = session.scalar(
            select(Job.id).where(
                Job.organization_id == organization_id, Job.external_ref == str(row.get("job_ref") or "")
            )
        )
        if job_id is None:
            report.skipped["applicant: unknown job"] += 1
            continue
        try:
            with session.begin_nested():  # a refused row leaves nothing behind, the rest goes on
                intake_applicant(
                    state,
                    session,
                    job_id=job_id,
                    external_ref=str(row.get("external_ref") or ""),
                    full_name=str(row.get("full_name") or ""),
                    email=str(row.get("email") or ""),
                    phone=row.get("phone"),
                    language=str(row.get("language") or "en"),
                    source=plugin,
                    application_ref=str(row.get("application_ref") or "") or None,
                )
            report.applicants += 1
        except IntakeError as exc:
            report.skipped[f"applicant: {_reason(exc)}"] += 1
    applicants_cursor.since, applicants_cursor.last_run_at = newest, utcnow()
    applicants_cursor.last_error = jobs_cursor.last_error = None

    for (job_id,) in session.execute(select(Job.id).where(Job.organization_id == organization_id)):
        report.released += release(state, session, job_id)
    audit.record(
        session,
        "system.ehr_sync",
        f"organization:{organization_id}",
        purpose="recruitment",
        details={
            "plugin": plugin,
            "jobs": report.jobs,
            "applicants": report.applicants,
            "skipped": sum(report.skipped.values()),
        },
    )
    return report


def _reason(exc: IntakeError) -> str:
    """The part of an intake message that names the problem (messages never quote personal values)."""
    return str(exc).split(";")[0][:120]


def sync(state: CandorState, *, organization_id: int, plugin: str | None = None) -> dict[str, SyncReport]:
    """Sync every configured connector (or one plugin's) in its own transaction."""
    reports = {}
    for name, connector in connectors_of(state, plugin):
        with state.db.transaction(immediate=True) as session:
            reports[f"{name}.{connector.name}"] = sync_connector(
                state, session, name, connector, organization_id=organization_id
            )
    return reports


def run_sync(state: CandorState, context: WorkContext) -> dict[str, Any]:
    """Work handler ``core.sync_ehr``: payload ``organization_id`` and optionally ``plugin``."""
    organization_id = int(context.payload["organization_id"])
    results = {}
    for name, connector in connectors_of(state, context.payload.get("plugin")):
        results[name] = sync_connector(
            state, context.session, name, connector, organization_id=organization_id
        ).to_dict()
    return results
