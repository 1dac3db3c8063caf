"""Erasing an employee: the employment record's part of the right to erasure (PIPL Art. 47, GDPR Art. 17).

Owns the order of what happens: consents are withdrawn (queued provisioning stops), the employment is ended
so every attendance account is deactivated through the queue (the units carry account ids only, which stay
until the systems confirm), the check-ins and evaluated days are deleted, the employee link and the e-mail's
blind index are cleared, and finally the subject's data key is destroyed, so every remaining ciphertext of the
employee (name, contacts, pay; in backups too) becomes unreadable. Consent records stay as evidence of what
was agreed (they hold purposes and times, no content) until retention removes them. The candidate the
employee was hired as is a subject of its own and is not touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete

from candor import audit
from candor.attendance.models import AttendanceDay, CheckIn
from candor.consent.models import ConsentChannel
from candor.consent.service import withdraw
from candor.onboarding.models import Employee
from candor.onboarding.provisioning import end_employment
from candor.vault.keys import shred_subject

if TYPE_CHECKING:
    from candor.state import CandorState


def erase_employee(state: CandorState, employee_id: int, *, actor: str = "system:erasure") -> dict[str, Any]:
    """Erase one employee; idempotent (a second run finds nothing left and says so)."""
    with state.db.transaction(immediate=True) as session:
        employee = session.get(Employee, employee_id)
        if employee is None:
            raise LookupError(f"No employee {employee_id}.")
        subject_id = employee.subject_id
        withdrawn = withdraw(session, employee_id=employee.id, purposes=None, channel=ConsentChannel.STAFF)
        queued = end_employment(state, session, employee, actor=actor)
        check_ins = session.execute(delete(CheckIn).where(CheckIn.employee_id == employee.id)).rowcount or 0
        days = session.execute(delete(AttendanceDay).where(AttendanceDay.employee_id == employee.id)).rowcount or 0
        employee.access_nonce_hash = None
        employee.email_index = None
        audit.record(session, "admin.employee_erased", employee.subject_ref, purpose="erasure",
                     details={"check_ins": check_ins, "days": days, "deactivations": sorted(queued),
                              "by": actor})
    shredded = shred_subject(state, subject_id)
    return {"employee": employee_id, "check_ins_deleted": check_ins, "days_deleted": days,
            "consents_withdrawn": [p.value for p in withdrawn.purposes], "accounts": queued,
            "key_destroyed": shredded}
