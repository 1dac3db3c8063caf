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


_ALL = frozenset(Permission)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Administrators run the installation; they read the audit log but exporting it is the auditors' job.
    Role.ADMIN: _ALL - {Permission.AUDIT_EXPORT, Permission.MEDIA_VIEW, Permission.INTERVIEWS_REVIEW},
    Role.RECRUITER: frozenset({
        Permission.JOBS_READ, Permission.JOBS_WRITE, Permission.CANDIDATES_READ, Permission.CANDIDATES_WRITE,
        Permission.PLUGINS_READ, Permission.INTEGRATION_SYNC, Permission.TOKENS_MANAGE,
    }),
    Role.REVIEWER: frozenset({
        Permission.JOBS_READ, Permission.CANDIDATES_READ, Permission.INTERVIEWS_REVIEW, Permission.MEDIA_VIEW,
        Permission.PLUGINS_READ,
    }),
    Role.AUDITOR: frozenset({
        Permission.AUDIT_READ, Permission.AUDIT_EXPORT, Permission.PLUGINS_READ, Permission.SYSTEM_READ,
    }),
}


def role_allows(role: Role | str, permission: Permission | str) -> bool:
    return Permission(permission) in ROLE_PERMISSIONS[Role(role)]
