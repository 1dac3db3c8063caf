"""Attendance accounts from the onboarding consent: provisioning and deactivation as durable units of work.

Owns ``sync_accounts`` (what each enabled attendance adapter should hold for an employee, given the consents
and the employment, queued in the caller's transaction) and the two work kinds that talk to the adapters:
``core.provision_account`` asks the employee purpose gate, hands the adapter only what its declaration
covers (biometric enrolment only with the separate consent), and records the system's account id;
``core.deactivate_account`` switches the account off when consent is withdrawn or employment ends. An adapter
that is down makes the unit fail and retry with backoff (``PROVISION_ATTEMPTS`` attempts, hours apart at the
end), so nothing is lost; one that refuses the data for good (4xx) marks the account failed with the reason.
Units carry ids only; the dedupe key names the consent decision they follow, so a repeated submission queues
nothing twice and a later new consent provisions again.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from candor import audit
from candor.attendance.models import ProbationRules
from candor.consent.models import ConsentRecord
from candor.consent.service import granted_purposes
from candor.db import utcnow
from candor.declarations import Purpose
from candor.onboarding.gate import check_employee_gate, employee_data, takes_biometrics
from candor.onboarding.models import AccountState, AttendanceAccount, Employee, EmployeeState
from candor.tasks import enqueue

if TYPE_CHECKING:
    from candor.state import CandorState
    from candor.tasks.work import WorkContext

log = logging.getLogger(__name__)

PROVISION_KIND = "core.provision_account"
DEACTIVATE_KIND = "core.deactivate_account"
#: With the queue's backoff (doubling, at most five minutes) 50 attempts wait out an outage of about 3 hours.
PROVISION_ATTEMPTS = 50
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d ()-]{8,}\d")


def adapters(state: CandorState) -> dict[str, tuple[str, Any]]:
    """Enabled attendance adapters by name, with the plugin that offered each."""
    from candor.attendance.pull import attendance_adapters

    return {adapter.name: (plugin, adapter) for plugin, adapter in attendance_adapters(state)}


def _generation(session: Session, employee: Employee) -> int:
    """The latest consent decision of the employee: new units follow each new decision, and only once."""
    return int(session.scalar(select(func.max(ConsentRecord.id)).where(
        ConsentRecord.employee_id == employee.id)) or 0)


def sync_accounts(state: CandorState, session: Session, employee: Employee) -> dict[str, str]:
    """Queue provisioning or deactivation per enabled adapter; returns ``{adapter: "provision"|"deactivate"}``
    for what was queued (the caller commits)."""
    granted = granted_purposes(session, employee_id=employee.id)
    wanted = (Purpose.ATTENDANCE in granted and employee.state != EmployeeState.ENDED
              and not employee.subject.erased)
    generation = _generation(session, employee)
    existing = {account.adapter: account for account in session.scalars(
        select(AttendanceAccount).where(AttendanceAccount.employee_id == employee.id))}
    queued: dict[str, str] = {}
    enabled = adapters(state)
    for name in sorted(set(enabled) | set(existing)):
        account = existing.get(name)
        if wanted and name in enabled:
            if account is None:
                account = AttendanceAccount(employee_id=employee.id, adapter=name, state=AccountState.PENDING)
                session.add(account)
                session.flush()
            enqueue(session, PROVISION_KIND, {"account": account.id},
                    dedupe_key=f"{PROVISION_KIND}:{account.id}:{generation}", max_attempts=PROVISION_ATTEMPTS,
                    subject=employee.subject_ref, purpose=Purpose.ATTENDANCE.value)
            queued[name] = "provision"
        elif not wanted and account is not None and account.state != AccountState.DEACTIVATED:
            if account.account_id is None:  # never created in the system: nothing to switch off there
                account.state, account.updated_at = AccountState.DEACTIVATED, utcnow()
                continue
            # No purpose on the unit: withdrawing consent must not cancel the deactivation it causes.
            enqueue(session, DEACTIVATE_KIND, {"account": account.id},
                    dedupe_key=f"{DEACTIVATE_KIND}:{account.id}:{generation}", max_attempts=PROVISION_ATTEMPTS,
                    subject=employee.subject_ref)
            queued[name] = "deactivate"
    return queued


def end_employment(state: CandorState, session: Session, employee: Employee, *, actor: str) -> dict[str, str]:
    """The employment ended (or the hire was withdrawn): accounts are deactivated everywhere."""
    if employee.state != EmployeeState.ENDED:
        employee.state, employee.ended_at = EmployeeState.ENDED, utcnow()
        audit.record(session, "admin.employment_ended", employee.subject_ref, purpose="onboarding",
                     details={"by": actor})
    return sync_accounts(state, session, employee)


def _problem(exc: Exception) -> str:
    """The error for the account row and HR: its class and message, contact details masked."""
    text = _PHONE.sub("[phone]", _EMAIL.sub("[email]", str(exc)))
    return f"{type(exc).__name__}: {text}"[:500]


def is_permanent(exc: Exception) -> bool:
    """A refusal that retrying cannot fix: a 4xx answer (not 408/429), an error code the adapter's client
    did not retry, or data the adapter cannot use."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return 400 <= status < 500 and status not in (408, 429)
    return isinstance(exc, ValueError | LookupError) or getattr(exc, "errcode", None) is not None


def _note_error(state: CandorState, account_id: int, problem: str) -> None:
    """Keep the last error on the account even though the unit's own transaction is rolled back."""
    with state.db.transaction() as session:
        session.execute(update(AttendanceAccount).where(AttendanceAccount.id == account_id)
                        .values(last_error=problem, updated_at=utcnow()))


def provision_account(state: CandorState, context: WorkContext) -> dict[str, Any]:
    session = context.session
    account = session.get(AttendanceAccount, context.payload["account"])
    if account is None:
        return {"outcome": "gone"}
    employee = session.get(Employee, account.employee_id)
    if employee is None or employee.subject.erased or employee.state == EmployeeState.ENDED:
        return {"outcome": "not_needed"}
    found = adapters(state).get(account.adapter)
    if found is None:
        account.last_error = f"The attendance adapter {account.adapter!r} is not enabled; enable its plugin."
        return {"outcome": "adapter_not_enabled"}
    plugin, adapter = found
    biometric = (takes_biometrics(state, plugin)
                 and Purpose.ATTENDANCE_BIOMETRICS in granted_purposes(session, employee_id=employee.id))
    answer = check_employee_gate(state, session, plugin=plugin, adapter=adapter, employee=employee,
                                 biometric=biometric)
    if not answer.allowed:
        account.last_error, account.updated_at = answer.summary[:500], utcnow()
        return {"outcome": "refused", "reasons": [reason.code for reason in answer.reasons]}
    data = employee_data(state, session, plugin, employee, biometric=biometric)
    rules = session.get(ProbationRules, employee.rules_id) if employee.rules_id is not None else None
    handed_rules = rules.to_dict() if rules is not None and getattr(adapter, "takes_rules", False) else {}
    try:
        if account.account_id and hasattr(adapter, "update"):
            adapter.update(account.account_id, data)  # already made (or made again after deactivation)
            created = False
        else:
            account.account_id = str(adapter.provision(data, handed_rules))[:200]
            created = True
    except Exception as exc:
        problem = _problem(exc)
        if is_permanent(exc):
            account.state, account.last_error, account.updated_at = AccountState.FAILED, problem, utcnow()
            audit.record(session, "system.account_refused", employee.subject_ref, purpose="attendance",
                         outcome="failure", details={"adapter": account.adapter, "error": type(exc).__name__})
            return {"outcome": "refused_by_system", "error": type(exc).__name__}
        log.warning("provisioning account %s in %s failed (%s); retried", account.id, account.adapter,
                    type(exc).__name__)
        _note_error(state, account.id, problem)
        raise
    account.state, account.biometric_clock_in = AccountState.ACTIVE, biometric
    account.last_error, account.updated_at = None, utcnow()
    audit.record(session, "system.account_provisioned", employee.subject_ref, purpose="attendance",
                 details={"adapter": account.adapter, "created": created, "biometric": biometric})
    return {"outcome": "provisioned" if created else "updated", "adapter": account.adapter}


def deactivate_account(state: CandorState, context: WorkContext) -> dict[str, Any]:
    session = context.session
    account = session.get(AttendanceAccount, context.payload["account"])
    if account is None or account.state == AccountState.DEACTIVATED:
        return {"outcome": "not_needed"}
    employee = session.get(Employee, account.employee_id)
    if (employee is not None and employee.state != EmployeeState.ENDED and not employee.subject.erased
            and Purpose.ATTENDANCE in granted_purposes(session, employee_id=employee.id)):
        return {"outcome": "consented_again"}  # a newer decision wants the account: its provisioning runs
    found = adapters(state).get(account.adapter)
    if found is None:
        raise LookupError(f"The attendance adapter {account.adapter!r} is not enabled; the account stays on "
                          "until it is enabled again.")
    if account.account_id:
        try:
            found[1].deactivate(account.account_id)
        except Exception as exc:
            _note_error(state, account.id, _problem(exc))
            raise
    account.state, account.biometric_clock_in = AccountState.DEACTIVATED, False
    account.last_error, account.updated_at = None, utcnow()
    if employee is not None:
        audit.record(session, "system.account_deactivated", employee.subject_ref, purpose="attendance",
                     details={"adapter": account.adapter})
    return {"outcome": "deactivated", "adapter": account.adapter}


def work_handlers(state: CandorState) -> dict[str, Any]:
    return {PROVISION_KIND: lambda context: provision_account(state, context),
            DEACTIVATE_KIND: lambda context: deactivate_account(state, context)}
