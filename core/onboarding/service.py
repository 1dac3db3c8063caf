"""Starting onboarding from a hire: the checks on the decision and the HR input, the employee record (a new
data subject with the candidate's details copied into its own encrypted fields), and what follows in the same
transaction: the onboarding message and its reminders, probation pay from the payroll calculators and the
``onboarding.started`` event to the HR systems.

The candidate's recruiting consent does not carry over: nothing here looks at it, and the employee's
attendance accounts wait for the onboarding consent step (``candor.onboarding.consent``).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.interviews.models import Candidate, Interview
from candor.jobs.models import Job
from candor.onboarding.models import Employee, EmployeeState
from candor.review.models import Outcome, ReviewDecision

if TYPE_CHECKING:
    from candor.state import CandorState

MAX_DOCUMENTS = 50
MAX_PROBATION_MONTHS = 6  # the longest probation PRC labour law allows (Labour Contract Law Art. 19)


class OnboardingError(ValueError):
    """The hire cannot be started as given; ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months, on the last day of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise OnboardingError(f"timezone {name!r} is not an IANA time zone name; use one such as "
                              "'Asia/Shanghai' or 'Europe/Berlin'.") from None
    return name


def check_base_pay(value: str | int | float | Decimal | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise OnboardingError("base_pay must be a number (monthly base pay, e.g. 12000.00).") from None
    if not amount.is_finite() or amount < 0:
        raise OnboardingError("base_pay must be zero or more.")
    return str(amount.quantize(Decimal("0.01")))


def start_onboarding(
    state: CandorState,
    session: Session,
    decision_id: int,
    *,
    start_date: date,
    site: str,
    timezone: str,
    position: str,
    rules_id: int | None,
    documents: Sequence[str],
    base_pay: str | int | float | Decimal | None = None,
    currency: str = "CNY",
    probation_months: int = 3,
    actor: str = "system:onboarding",
) -> Employee:
    """Create the employee for an ``advance`` decision and queue what follows; one employee per decision."""
    decision = session.get(ReviewDecision, decision_id)
    if decision is None:
        raise OnboardingError(f"No review decision {decision_id}; hire from an existing decision.", 404)
    if decision.outcome != Outcome.ADVANCE:
        raise OnboardingError(f"Decision {decision_id} is {decision.outcome}, not advance; only an advanced "
                              "candidate can be hired.", 409)
    if session.scalar(select(Employee.id).where(Employee.decision_id == decision_id)) is not None:
        raise OnboardingError(f"Decision {decision_id} already started onboarding.", 409)
    if not isinstance(start_date, date):
        raise OnboardingError("start_date must be a date (YYYY-MM-DD).")
    if not site.strip() or not position.strip():
        raise OnboardingError("site and position are required.")
    if not 0 <= probation_months <= MAX_PROBATION_MONTHS:
        raise OnboardingError(f"probation_months must be between 0 and {MAX_PROBATION_MONTHS}.")
    items = [str(item).strip() for item in documents if str(item).strip()]
    if len(items) > MAX_DOCUMENTS:
        raise OnboardingError(f"At most {MAX_DOCUMENTS} documents to bring.")
    if len(currency) != 3 or not currency.isalpha():
        raise OnboardingError("currency must be a three-letter ISO 4217 code such as CNY or EUR.")
    interview = session.get(Interview, decision.interview_id)
    assert interview is not None
    candidate = session.get(Candidate, interview.candidate_id)
    job = session.get(Job, interview.job_id)
    assert candidate is not None and job is not None
    if candidate.subject.erased:
        raise OnboardingError("The candidate's data was erased; the hire must be entered by hand.", 409)
    employee = Employee(
        candidate_id=candidate.id, decision_id=decision.id, organization_id=job.organization_id,
        job_id=job.id,
        position=position.strip()[:200], site=site.strip()[:200], timezone=check_timezone(timezone),
        start_date=start_date, probation_months=probation_months,
        probation_end=add_months(start_date, probation_months) if probation_months else None,
        rules_id=rules_id, documents=items, state=EmployeeState.PENDING, language=candidate.language,
        currency=currency.upper(), created_by=actor,
    )
    employee.full_name = candidate.full_name
    employee.email = candidate.email
    employee.phone = candidate.phone
    employee.base_pay = check_base_pay(base_pay)
    session.add(employee)
    session.flush()
    audit.record(session, "admin.onboarding_started", employee.subject_ref, purpose="onboarding",
                 details={"candidate": candidate.id, "decision": decision.id, "job": job.id})
    _after_start(state, session, employee)
    return employee


def _after_start(state: CandorState, session: Session, employee: Employee) -> None:
    """The onboarding message, reminders, probation pay and the event to the HR systems."""
    from candor.onboarding.messages import queue_onboarding_messages
    from candor.onboarding.payroll import emit_onboarding_started

    queue_onboarding_messages(state, session, employee)
    emit_onboarding_started(state, session, employee)
