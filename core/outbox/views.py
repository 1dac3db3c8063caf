"""The outbox API for administrators: ``GET /api/v1/outbox/dead`` lists dead letters (events that failed every
attempt) with their last error, and ``POST /api/v1/outbox/<id>/retry`` gives one a fresh set of attempts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import func, select

from candor.auth import Permission, requires
from candor.outbox.delivery import retry_event
from candor.outbox.models import OutboxEvent, OutboxState
from candor.state import get_state

bp = Blueprint("outbox", __name__)
PAGE_LIMIT = 500


@bp.get("/api/v1/outbox/dead")
@requires(Permission.OUTBOX_MANAGE)
def dead_letters() -> Any:
    try:
        limit = min(int(request.args.get("limit", "100")), PAGE_LIMIT)
    except ValueError:
        abort(400, f"limit must be a whole number up to {PAGE_LIMIT}.")
    state = get_state()
    with state.db.transaction() as session:
        total = session.scalar(select(func.count()).select_from(OutboxEvent)
                               .where(OutboxEvent.state == OutboxState.DEAD)) or 0
        events = session.scalars(select(OutboxEvent).where(OutboxEvent.state == OutboxState.DEAD)
                                 .order_by(OutboxEvent.id).limit(limit)).all()
        return jsonify({"total": total, "dead": [event.to_public_dict() for event in events]})


@bp.post("/api/v1/outbox/<int:event_id>/retry")
@requires(Permission.OUTBOX_MANAGE)
def retry(event_id: int) -> Any:
    state = get_state()
    try:
        with state.db.transaction(immediate=True) as session:
            event = retry_event(session, event_id)
            body = event.to_public_dict()
    except LookupError as exc:
        abort(404, str(exc))
    except ValueError as exc:
        abort(409, str(exc))
    return jsonify(body), 202
