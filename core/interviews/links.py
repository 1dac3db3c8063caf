"""Candidate links: signed, expiring tokens bound to one interview, carrying no personal data.

A link holds the interview id and a random nonce, signed with the installation's key. Only the nonce's hash
is stored, on the interview; issuing a new link replaces it, so an old link stops working. Withdrawal links
in messages use the same token with a longer lifetime, because consent must be withdrawable long after the
interview itself has closed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from candor.db import utcnow
from candor.interviews.models import Interview

SALT = "candor.candidate-link.v1"
WITHDRAWAL_LIFETIME = timedelta(days=3 * 365)


class LinkProblem(StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    REPLACED = "replaced"


MESSAGES = {
    LinkProblem.INVALID: "This link is not valid. Check that it was copied whole, or ask the employer for a new one.",
    LinkProblem.EXPIRED: "This link has expired. Ask the employer who invited you for a new link.",
    LinkProblem.REPLACED: "A newer link was sent for this interview. Use the latest message you received.",
}


class LinkError(Exception):
    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(MESSAGES[problem])
        self.problem = problem


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue_link_token(secret_key: str, interview: Interview) -> str:
    """A new token for ``interview`` (which must have an id); earlier tokens stop working."""
    nonce = secrets.token_urlsafe(18)
    interview.access_nonce_hash = _digest(nonce)
    return _serializer(secret_key).dumps({"i": interview.id, "n": nonce})


def resolve_link(secret_key: str, session: Session, token: str, *, for_withdrawal: bool = False) -> Interview:
    """The interview a token opens, or ``LinkError`` saying what is wrong with it."""
    max_age = int(WITHDRAWAL_LIFETIME.total_seconds()) if for_withdrawal else None
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError(LinkProblem.EXPIRED) from None
    except BadSignature:
        raise LinkError(LinkProblem.INVALID) from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("n"), str):
        raise LinkError(LinkProblem.INVALID)
    interview = session.get(Interview, data["i"])
    if interview is None:
        raise LinkError(LinkProblem.INVALID)
    if interview.access_nonce_hash is None or not hmac.compare_digest(interview.access_nonce_hash,
                                                                       _digest(data["n"])):
        raise LinkError(LinkProblem.REPLACED)
    if not for_withdrawal and interview.expires_at is not None and interview.expires_at <= utcnow():
        raise LinkError(LinkProblem.EXPIRED)
    return interview
