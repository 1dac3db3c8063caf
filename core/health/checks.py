"""Running diagnostic checks safely: a check that raises is reported as failed, never crashes the caller."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from candor.interfaces import CheckResult, CheckStatus
from candor.state import get_state


@dataclass(frozen=True)
class CheckOutcome:
    plugin: str
    name: str
    readiness: bool
    result: CheckResult

    def to_dict(self) -> dict[str, str | bool]:
        return {"plugin": self.plugin, "name": self.name, "status": self.result.status.value,
                "detail": self.result.detail, "hint": self.result.hint, "readiness": self.readiness}


def run_checks(app: Flask, *, readiness_only: bool = False) -> list[CheckOutcome]:
    outcomes = []
    for plugin, check in get_state(app).doctor_checks:
        if readiness_only and not check.readiness:
            continue
        try:
            result = check.run(app)
        except Exception as exc:  # a broken check must not hide the others
            result = CheckResult(CheckStatus.FAILED, f"the check itself failed: {type(exc).__name__}: {exc}")
        outcomes.append(CheckOutcome(plugin, check.name, check.readiness, result))
    return outcomes
