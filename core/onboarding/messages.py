"""The onboarding message and its reminders, by e-mail through the notifier plugins.

The first message goes out when the hire is entered; reminders are units of work with ``not_before`` at
09:00 site time ``REMINDER_DAYS`` days before the start date (those already past are skipped). Each message
gives the start date and time in the site's time zone, the documents to bring and the link to the
onboarding notice and consent step, and no other personal data than the greeting.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.interfaces import Message
from candor.onboarding.links import employee_token
from candor.onboarding.models import Employee, EmployeeState
from candor.orgs.models import Organization
from candor.recruiting.invitations import email_notifier
from candor.tasks import enqueue

if TYPE_CHECKING:
    from candor.state import CandorState
    from candor.tasks.work import WorkContext

SEND_KIND = "core.send_onboarding"
#: Days before the start date on which a reminder goes out, at ``REMINDER_AT`` site time.
REMINDER_DAYS = (3, 1)
REMINDER_AT = time(9, 0)
#: The first working day starts at this site time unless the probation rules say otherwise.
DEFAULT_START_TIME = time(9, 0)
LANGUAGES = ("en", "zh-CN")

_templates = Environment(loader=PackageLoader("candor.onboarding", "templates"), undefined=StrictUndefined,
                         autoescape=False, keep_trailing_newline=True)  # noqa: S701 - plain-text e-mail


def local_moment(employee: Employee, day_offset: int, at: time) -> datetime:
    """``at`` on the start date moved by ``day_offset`` days, in the site's zone, as an aware datetime."""
    day = employee.start_date + timedelta(days=day_offset)
    return datetime.combine(day, at, tzinfo=ZoneInfo(employee.timezone))


def queue_onboarding_messages(state: CandorState, session: Session, employee: Employee) -> None:
    """The onboarding message now and the reminders at their times; the caller's commit sends them."""
    subject = employee.subject_ref
    enqueue(session, SEND_KIND, {"employee_id": employee.id, "kind": "welcome"},
            dedupe_key=f"onboarding:{employee.id}:welcome", subject=subject, purpose="onboarding")
    now = utcnow()
    for days in REMINDER_DAYS:
        due = local_moment(employee, -days, REMINDER_AT)
        if due <= now:
            continue
        item = enqueue(session, SEND_KIND, {"employee_id": employee.id, "kind": "reminder", "days": days},
                       dedupe_key=f"onboarding:{employee.id}:reminder:{days}", subject=subject,
                       purpose="onboarding")
        item.not_before = due  # a worker receiving it early leaves it queued; the sweep sends it when due


def render(kind: str, language: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """``(subject, body)`` from ``onboarding/<kind>.<language>.txt``; the first line is the subject."""
    if language not in LANGUAGES:
        language = "zh-CN" if language.lower().startswith("zh") else "en"
    text = _templates.get_template(f"onboarding/{kind}.{language}.txt").render(**values)
    subject, _, body = text.partition("\n")
    return subject.removeprefix("Subject:").strip(), body.lstrip("\n")


def message_values(state: CandorState, session: Session, employee: Employee) -> dict[str, Any]:
    organization = session.get(Organization, employee.organization_id)
    starts = local_moment(employee, 0, DEFAULT_START_TIME)
    token = employee_token(state.app_secret, employee)
    return {
        "name": employee.full_name,
        "organization": organization.name if organization else "",
        "position": employee.position,
        "site": employee.site,
        "start": f"{starts:%Y-%m-%d %H:%M} ({employee.timezone})",
        "start_date": employee.start_date.isoformat(),
        "documents": list(employee.documents or []),
        "link": f"{state.settings.public_url.rstrip('/')}/employee/onboarding?t={token}",
        "contact": organization.contact_email if organization and organization.contact_email else "",
    }


def send_onboarding(state: CandorState, context: WorkContext) -> dict[str, Any]:
    """Work handler: send the welcome message or a reminder, unless the hire ended meanwhile."""
    session = context.session
    employee = session.get(Employee, context.payload["employee_id"])
    if employee is None or employee.subject.erased:
        return {"outcome": "gone"}
    if employee.state == EmployeeState.ENDED:
        return {"outcome": "not_needed", "state": str(employee.state)}
    kind = "reminder" if context.payload.get("kind") == "reminder" else "welcome"
    values = message_values(state, session, employee)
    values["days"] = int(context.payload.get("days", 0))
    subject, body = render(kind, employee.language, values)
    domain = state.settings.public_url.split("//")[-1].split("/")[0].split(":")[0] or "candor.local"
    headers = {"Message-ID": f"<candor-onboarding-{employee.id}-{kind}-{values['days']}@{domain}>",
               "Content-Language": employee.language}
    reference = email_notifier(state).send(Message(to=employee.email or "", subject=subject, body=body,
                                                   headers=headers))
    audit.record(session, "system.onboarding_message", employee.subject_ref, purpose="onboarding",
                 details={"kind": kind, "days": values["days"]})
    return {"outcome": "sent", "kind": kind, "message": reference[:200]}


def work_handlers(state: CandorState) -> dict[str, Any]:
    return {SEND_KIND: lambda context: send_onboarding(state, context)}
