"""Employee links: signed tokens bound to one employee that open the onboarding notice and consent step.

Like candidate links (``candor.interviews.links``) a token holds only the employee id and a random nonce; the
nonce is derived from the installation's secret and the employee, so every onboarding message carries the same
link and a reminder never breaks the link of an earlier message. Its own salt keeps candidate links and
employee links from opening each other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from candor.onboarding.models import Employee

SALT = "candor.employee-link.v1"
LIFETIME = timedelta(days=365)


class EmployeeLinkError(Exception):
    """The link cannot open the onboarding step; the message says what the employee should do."""


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def employee_token(secret_key: str, employee: Employee) -> str:
    """The token of the employee's onboarding messages (the employee must have an id)."""
    mac = hmac.new(secret_key.encode(), f"candor.employee.v1|{employee.id}|{employee.uid}".encode(),
                   hashlib.sha256).digest()
    nonce = base64.urlsafe_b64encode(mac[:18]).decode()
    if employee.access_nonce_hash is None:
        employee.access_nonce_hash = _digest(nonce)
    return _serializer(secret_key).dumps({"e": employee.id, "n": nonce})


def resolve_employee_link(secret_key: str, session: Session, token: str) -> Employee:
    try:
        data = _serializer(secret_key).loads(token, max_age=int(LIFETIME.total_seconds()))
    except SignatureExpired:
        raise EmployeeLinkError("This link has expired. Ask HR for a new onboarding message.") from None
    except BadSignature:
        raise EmployeeLinkError("This link is not valid. Check that it was copied whole, or ask HR for a "
                                "new onboarding message.") from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int) or not isinstance(data.get("n"), str):
        raise EmployeeLinkError("This link is not valid. Ask HR for a new onboarding message.")
    employee = session.get(Employee, data["e"])
    if employee is None or employee.access_nonce_hash is None or not hmac.compare_digest(
            employee.access_nonce_hash, _digest(data["n"])):
        raise EmployeeLinkError("This link was replaced or no longer applies. Use the latest onboarding "
                                "message, or ask HR.")
    return employee
