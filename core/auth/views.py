"""The staff API for one's own identity and API tokens."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from candor import audit
from candor.auth.access import current_identity, requires
from candor.auth.models import ApiToken, User
from candor.auth.permissions import Permission
from candor.auth.tokens import TokenError, create_token, revoke_token
from candor.http import json_body
from candor.state import get_state

bp = Blueprint("auth_api", __name__, url_prefix="/api/v1")


def _token_dict(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id, "name": token.name, "prefix": token.prefix, "scopes": token.scopes,
        "created_at": token.created_at.isoformat(), "expires_at": token.expires_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked": token.revoked_at is not None, "user_id": token.user_id,
    }


@bp.get("/me")
@requires()
def me() -> Any:
    identity = current_identity()
    assert identity is not None
    permissions = sorted(p.value for p in Permission if identity.can(p))
    return jsonify({"user_id": identity.user_id, "role": identity.role.value, "via": identity.via,
                    "permissions": permissions})


@bp.get("/tokens")
@requires(Permission.TOKENS_MANAGE)
def list_tokens() -> Any:
    identity = current_identity()
    assert identity is not None
    query = select(ApiToken).order_by(ApiToken.id)
    if not identity.can(Permission.USERS_MANAGE):  # administrators see every token, others their own
        query = query.where(ApiToken.user_id == identity.user_id)
    tokens = get_state().db.session.scalars(query).all()
    return jsonify({"tokens": [_token_dict(t) for t in tokens]})


@bp.post("/tokens")
@requires(Permission.TOKENS_MANAGE)
def new_token() -> Any:
    identity = current_identity()
    assert identity is not None
    if identity.via == "token":
        abort(403, "Tokens cannot create tokens; sign in as a person.")
    body = json_body(request, required={"name": str, "scopes": list}, optional={"days": int})
    session = get_state().db.session
    user = session.get(User, identity.user_id)
    assert user is not None
    try:
        plaintext, token = create_token(session, user, body["name"], body["scopes"], body.get("days", 90))
    except TokenError as exc:
        abort(422, str(exc))
    audit.record(session, "admin.token_create", f"token:{token.id}", purpose="administration",
                 details={"user": user.id, "scopes": token.scopes})
    session.commit()
    return jsonify({"token": plaintext, **_token_dict(token),
                    "note": "Store this token now: it is not shown again."}), 201


@bp.delete("/tokens/<int:token_id>")
@requires(Permission.TOKENS_MANAGE)
def delete_token(token_id: int) -> Any:
    identity = current_identity()
    assert identity is not None
    session = get_state().db.session
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != identity.user_id and not identity.can(Permission.USERS_MANAGE)):
        abort(404)
    revoke_token(token)
    audit.record(session, "admin.token_revoke", f"token:{token.id}", purpose="administration",
                 details={"user": token.user_id})
    session.commit()
    return jsonify(_token_dict(token))
