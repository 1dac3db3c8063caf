"""The overdue alert: a ``candor doctor`` check that warns with the number of open requests past due."""

from __future__ import annotations

from typing import Any

from candor.interfaces import CheckResult, CheckStatus


def check_overdue(app: Any) -> CheckResult:
    from candor.dsar.service import overdue
    from candor.state import get_state

    state = get_state(app)
    with state.db.transaction() as session:
        late = overdue(session)
    if late:
        return CheckResult(
            CheckStatus.WARNING,
            f"{len(late)} data-subject request(s) past their due date (ids "
            f"{', '.join(str(r.id) for r in late[:20])})",
            "Handle them now: candor dsar list --overdue; then candor dsar run <id>.",
        )
    return CheckResult(CheckStatus.OK, "no data-subject request is overdue")
