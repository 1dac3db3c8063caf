"""The purpose gate for employees: may this attendance adapter receive this employee's data, and which?

The candidate gate (``candor.consent.gate``) speaks of candidates and interviews; an employee is a data subject
of its own whose consents come from the onboarding step. The rules, every failing one reported:
1. the adapter's plugin is enabled and declares the purpose;
2. none of its capabilities is prohibited by a pack applying where the employee works;
3. the employee consents to the purpose now (``attendance``), and to ``attendance_biometrics`` separately
   before any biometric enrolment (PIPL Art. 29);
4. an adapter whose region lies outside the employee's jurisdictions needs ``cross_border_transfer`` consent.
Each answer goes to the audit log under the employee's subject. What the adapter then receives is cut down to
the data categories it declares (``employee_data``): an adapter that does not declare contact data gets no
name, e-mail or phone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from candor import audit
from candor.consent.gate import GateAnswer, Reason
from candor.consent.service import granted_purposes
from candor.declarations import DataCategory, Purpose
from candor.jobs.models import Job
from candor.onboarding.models import Employee
from candor.orgs.models import Organization
from candor.policy.jurisdictions import jurisdictions_of

if TYPE_CHECKING:
    from candor.state import CandorState

#: What an adapter that can enrol faces or fingerprints says about itself.
BIOMETRIC_CLOCK_IN = "biometric_clock_in"


def employee_location(session: Session, employee: Employee) -> str:
    """Where the employee works, as a jurisdiction code: the job's location, else the organisation's first."""
    job = session.get(Job, employee.job_id) if employee.job_id is not None else None
    if job is not None and job.location:
        return job.location
    organization = session.get(Organization, employee.organization_id)
    jurisdictions = list(organization.jurisdictions or []) if organization else []
    return jurisdictions[0] if jurisdictions else "CN"


def takes_biometrics(state: CandorState, plugin: str) -> bool:
    """Whether the adapter's system can enrol a face or fingerprint for clock-in (as its plugin declares)."""
    declaration = state.plugins.declaration(plugin)
    return BIOMETRIC_CLOCK_IN in declaration.capabilities or DataCategory.BIOMETRIC in declaration.data_categories


def check_employee_gate(
    state: CandorState, session: Session, *, plugin: str, adapter: Any, employee: Employee,
    purpose: Purpose = Purpose.ATTENDANCE, biometric: bool = False,
) -> GateAnswer:
    """Decide and record; callers hand data over only when ``answer.allowed``."""
    reasons: list[Reason] = []
    try:
        declaration = state.plugins.declaration(plugin)
    except KeyError:
        declaration = None
        reasons.append(Reason("plugin_not_enabled", f"{plugin} is not an enabled plugin"))
    if declaration is not None:
        title = declaration.title
        location = employee_location(session, employee)
        if purpose not in declaration.purposes:
            reasons.append(Reason("purpose_not_declared", f"{title} skipped: it does not declare the purpose "
                                                          f"{purpose}"))
        for pack in state.policies.applicable(location):
            for capability in sorted(declaration.capabilities & pack.prohibited_capabilities):
                reasons.append(Reason("prohibited", f"{title} skipped: {capability.replace('_', ' ')} prohibited "
                                                    f"under {pack.pack}"))
        granted = granted_purposes(session, employee_id=employee.id)
        needed = {purpose}
        if biometric:
            needed.add(Purpose.ATTENDANCE_BIOMETRICS)
        region = getattr(adapter, "region", None) or declaration.region
        if region and region not in jurisdictions_of(location):
            needed.add(Purpose.CROSS_BORDER_TRANSFER)
        for missing in sorted(needed - granted):
            separate = missing in (Purpose.ATTENDANCE_BIOMETRICS, Purpose.CROSS_BORDER_TRANSFER)
            kind = "separate consent" if separate else "consent"
            reasons.append(Reason(f"no_consent:{missing.value}", f"{title} skipped: no {kind} for {missing}"))
    answer = GateAnswer(plugin, purpose, tuple(reasons))
    audit.record(session, "policy.gate", employee.subject_ref, purpose=purpose.value,
                 outcome="success" if answer.allowed else "denied",
                 details={"plugin": plugin, "codes": [reason.code for reason in reasons], "biometric": biometric})
    return answer


def employee_data(state: CandorState, session: Session, plugin: str, employee: Employee, *,
                  biometric: bool) -> dict[str, Any]:
    """The employee as the adapter may see it: only the categories its plugin declares."""
    categories = state.plugins.declaration(plugin).data_categories
    organization = session.get(Organization, employee.organization_id)
    data: dict[str, Any] = {"employee_number": employee.uid}  # a random, stable reference: no meaning
    if DataCategory.CONTACT in categories:
        data.update(full_name=employee.full_name, email=employee.email, phone=employee.phone)
    if DataCategory.EMPLOYMENT in categories:
        data.update(position=employee.position, site=employee.site, timezone=employee.timezone,
                    language=employee.language, start_date=employee.start_date.isoformat(),
                    probation_end=employee.probation_end.isoformat() if employee.probation_end else None,
                    organization=organization.name if organization else None)
    if biometric:
        data["biometric_clock_in"] = True
    return {key: value for key, value in data.items() if value not in (None, "")}
