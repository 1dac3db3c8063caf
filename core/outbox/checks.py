"""The dead-letter alert: a ``candor doctor`` check that warns while outbox events are dead."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from candor.interfaces import CheckResult, CheckStatus
from candor.outbox.models import OutboxEvent, OutboxState


def check_dead_letters(app: Any) -> CheckResult:
    from candor.state import get_state

    with get_state(app).db.transaction() as session:
        rows = session.execute(
            select(OutboxEvent.connector, func.count()).where(OutboxEvent.state == OutboxState.DEAD)
            .group_by(OutboxEvent.connector).order_by(OutboxEvent.connector)).all()
    if not rows:
        return CheckResult(CheckStatus.OK, "no undeliverable outbox events")
    per_connector = ", ".join(f"{connector}: {count}" for connector, count in rows)
    return CheckResult(
        CheckStatus.WARNING,
        f"{sum(count for _, count in rows)} outbox event(s) could not be delivered ({per_connector})",
        "Fix the HR system or the connector's settings, then retry: GET /api/v1/outbox/dead and "
        "POST /api/v1/outbox/<id>/retry.",
    )
