"""Which role may do what. One table, read by views, tokens and the authorisation tests."""

from __future__ import annotations

from enum import StrEnum

from candor.auth.models import Role


class Permission(StrEnum):
    PLUGINS_READ = "plugins:read"
    PLUGINS_MANAGE = "plugins:manage"
    USERS_MANAGE = "users:manage"
    TOKENS_MANAGE = "tokens:manage"
    JOBS_READ = "jobs:read"
    JOBS_WRITE = "jobs:write"
    CANDIDATES_READ = "candidates:read"
    CANDIDATES_WRITE = "candidates:write"
    INTERVIEWS_REVIEW = "interviews:review"
    MEDIA_VIEW = "media:view"
    AUDIT_READ = "audit:read"
    AUDIT_EXPORT = "audit:export"
    SYSTEM_READ = "system:read"
    INTEGRATION_SYNC = "integration:sync"
    #: The unredacted transcript in the review API (names, contact details as spoken); reviewers only, and
    #: only for interviews they are assigned to. Everyone else sees the redacted transcript.
    TRANSCRIPTS_FULL = "transcripts:full"
    #: The stop button: suspend an analyzer or all AI evaluation for a job or an organisation.
    AI_SUSPEND = "ai:suspend"
    #: The generated record of processing activities and DPIA / PIPIA draft.
    RECORDS_READ = "records:read"
    #: Data-subject requests: receive, check identity, carry out, reject (attesting identity: admins only).
    DSAR_MANAGE = "dsar:manage"
    #: The outbox of events to HR systems: list dead letters and retry them (administrators only).
    OUTBOX_MANAGE = "outbox:manage"
    #: New hires' probation attendance (on time, late, absent, flags) and their probation rules.
    ATTENDANCE_READ = "attendance:read"
    #: Change an employee's probation rules (a new version) and end an employment (accounts deactivated).
    ATTENDANCE_MANAGE = "attendance:manage"


_ALL = frozenset(Permission)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Administrators run the installation; they read the audit log but exporting it is the auditors' job.
    Role.ADMIN: _ALL - {Permission.AUDIT_EXPORT, Permission.MEDIA_VIEW, Permission.INTERVIEWS_REVIEW,
                        Permission.TRANSCRIPTS_FULL},
    Role.RECRUITER: frozenset({
        Permission.JOBS_READ, Permission.JOBS_WRITE, Permission.CANDIDATES_READ, Permission.CANDIDATES_WRITE,
        Permission.PLUGINS_READ, Permission.INTEGRATION_SYNC, Permission.TOKENS_MANAGE,
        Permission.DSAR_MANAGE, Permission.ATTENDANCE_READ, Permission.ATTENDANCE_MANAGE,
    }),
    Role.REVIEWER: frozenset({
        Permission.JOBS_READ, Permission.CANDIDATES_READ, Permission.INTERVIEWS_REVIEW, Permission.MEDIA_VIEW,
        Permission.PLUGINS_READ, Permission.TRANSCRIPTS_FULL,
    }),
    Role.AUDITOR: frozenset({
        Permission.AUDIT_READ, Permission.AUDIT_EXPORT, Permission.PLUGINS_READ, Permission.SYSTEM_READ,
        Permission.RECORDS_READ,
    }),
}


def role_allows(role: Role | str, permission: Permission | str) -> bool:
    return Permission(permission) in ROLE_PERMISSIONS[Role(role)]
