"""Probation pay through the ``candor_register_payroll_calculators`` plugins, and the ``onboarding.started``
event that hands the hire and its probation pay to the HR systems through the outbox.

Calculators are asked in plugin order; the first that returns a result is used. The event carries ids, dates
and pay figures, never names or contact details. It is not gated on recruiting consent: telling the
employer's own HR system about the hire it made is needed to conclude the labour contract (PIPL Art. 13(2),
GDPR Art. 6(1)(b)), and recruiting consent does not carry over anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from candor import audit
from candor.onboarding.models import Employee
from candor.outbox import emit

if TYPE_CHECKING:
    from candor.state import CandorState


class PayrollError(RuntimeError):
    """A calculator returned something that is not a probation pay result."""


def employee_terms(employee: Employee) -> dict[str, Any]:
    """What a calculator receives: the position and pay terms, no name or contact details."""
    return {
        "employee": employee.id, "organization": employee.organization_id, "job": employee.job_id,
        "position": employee.position, "site": employee.site, "start_date": employee.start_date.isoformat(),
        "probation_end": employee.probation_end.isoformat() if employee.probation_end else None,
        "probation_months": employee.probation_months, "base_pay": employee.base_pay,
        "currency": employee.currency,
    }


def rules_of(session: Session, employee: Employee) -> dict[str, Any]:
    """The probation rules as data, when ``candor.attendance`` holds them; else only their id."""
    if employee.rules_id is None:
        return {}
    try:
        from candor.attendance.models import ProbationRules
    except ImportError:  # the attendance package is optional for onboarding
        return {"id": employee.rules_id}
    rules = session.get(ProbationRules, employee.rules_id)
    if rules is None:
        return {"id": employee.rules_id}
    columns = rules.__table__.columns.keys()
    values = {name: getattr(rules, name) for name in columns}
    return {name: value for name, value in values.items() if isinstance(value, str | int | bool)}


def probation_pay(state: CandorState, session: Session, employee: Employee) -> dict[str, Any] | None:
    """The first calculator's result: ``{"monthly": "9600.00", "currency": "CNY", "basis": "...",
    "calculator": "<plugin>"}``, or ``None`` when no calculator applies (no base pay, none enabled)."""
    if employee.base_pay is None:
        return None
    terms, rules = employee_terms(employee), rules_of(session, employee)
    for plugin, calculators in state.plugins.call_each("candor_register_payroll_calculators"):
        for calculator in calculators:
            result = calculator.probation_pay(terms, rules)
            if result is None:
                continue
            if not isinstance(result, dict) or "monthly" not in result:
                name = getattr(calculator, "name", "?")
                raise PayrollError(f"Payroll calculator {plugin}.{name} returned no 'monthly' "
                                   "amount; it must return a mapping with 'monthly' or None.")
            return {**{key: str(value) for key, value in result.items()}, "calculator": plugin}
    return None


def emit_onboarding_started(state: CandorState, session: Session, employee: Employee) -> list[int]:
    pay = probation_pay(state, session, employee)
    data: dict[str, Any] = {
        "employee": employee.id, "candidate": employee.candidate_id, "decision": employee.decision_id,
        "job": employee.job_id, "position": employee.position, "site": employee.site,
        "timezone": employee.timezone, "start_date": employee.start_date.isoformat(),
        "probation_end": employee.probation_end.isoformat() if employee.probation_end else None,
        "rules": employee.rules_id, "probation_pay": pay,
    }
    if employee.candidate_id is None:
        return []  # an employee entered without a candidate has no recruiting stream to follow
    ids = emit(session, "onboarding.started", f"candidate:{employee.candidate_id}", data)
    audit.record(session, "system.probation_pay", employee.subject_ref, purpose="onboarding",
                 details={"computed": pay is not None, "events": ids[:20],
                          "calculator": pay["calculator"] if pay else None})
    return ids
