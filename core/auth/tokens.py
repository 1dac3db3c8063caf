"""Creating and revoking API tokens. The plaintext is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy.orm import Session

from candor.auth.access import hash_token
from candor.auth.models import ApiToken, Role, User
from candor.auth.permissions import Permission, role_allows
from candor.db import utcnow

TOKEN_PREFIX = "cnd_"  # noqa: S105 - a visible prefix, not a secret
MAX_DAYS = 366


class TokenError(ValueError):
    pass


def create_token(
    session: Session, user: User, name: str, scopes: Iterable[str], days: int = 90
) -> tuple[str, ApiToken]:
    """Create a token for ``user`` limited to ``scopes`` (each must be allowed by the user's role)."""
    wanted = sorted(set(scopes))
    if not wanted:
        raise TokenError("Give the token at least one scope, e.g. plugins:read.")
    for scope in wanted:
        try:
            permission = Permission(scope)
        except ValueError:
            known = ", ".join(p.value for p in Permission)
            raise TokenError(f"Unknown scope {scope!r}. Known scopes: {known}.") from None
        if not role_allows(Role(user.role), permission):
            raise TokenError(f"A {user.role} may not hold the scope {scope!r}.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"A token lives between 1 and {MAX_DAYS} days.")
    if not name.strip():
        raise TokenError("Name the token after what will use it.")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip()[:200], prefix=plaintext[:12], token_hash=hash_token(plaintext),
        scopes=wanted, expires_at=utcnow() + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    return plaintext, token


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
