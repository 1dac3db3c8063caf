"""Onboarding (issue 9): from a hire decision to an employee record, the onboarding message and reminders,
the onboarding consent step (attendance and biometric clock-in consented to separately), probation pay
through payroll calculators, and attendance accounts provisioned through the ``attendance_adapter`` plugins.
"""

from candor.onboarding.models import AccountState, AttendanceAccount, Employee, EmployeeState
from candor.onboarding.service import OnboardingError, start_onboarding

__all__ = [
    "AccountState", "AttendanceAccount", "Employee", "EmployeeState", "OnboardingError", "start_onboarding",
]
