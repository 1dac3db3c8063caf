"""Invitations and reminders: when they go out, what they say, and when the interview link opens.

Owns the notice lead time: the merged policy of the job's location says how many business days must pass
between the notice and the first use of the AI (NYC LL144: ten). The invitation carries the notice at once;
its link opens ``lead`` business days later (``opens_at``), and the candidate APIs refuse it before then
(``refusal_before_open``). Business days are Monday to Friday in UTC; public holidays are not counted out, so
a lead time that spans a holiday should be configured a day longer.

Each message greets the candidate by name and carries the interview link and the withdrawal link, and no
other personal data. The link of every message of one invitation is the same nonce in a fresh signature, so
a reminder never invalidates the withdrawal link of an earlier message. Reminders are units of work scheduled
with ``not_before``; each checks the interview's state again when it runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from sqlalchemy import select
from sqlalchemy.orm import Session

from candor import audit
from candor.db import utcnow
from candor.interfaces import Message, Notifier
from candor.interviews.links import _digest, _serializer  # the link format is theirs; only the nonce is ours
from candor.interviews.models import Candidate, Interview
from candor.interviews.states import InterviewState
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.recruiting.models import Invitation, InvitationStatus
from candor.tasks import enqueue

if TYPE_CHECKING:
    from candor.state import CandorState
    from candor.tasks.work import WorkContext

SEND_KIND = "core.send_invitation"
REMIND_KIND = "core.send_reminder"
#: How long the link stays open after it opens.
LINK_VALID = timedelta(days=14)
#: Reminders after the link opens: the first when it opens if the notice came earlier, else after the first
#: interval; then each following interval.
REMINDER_INTERVALS = (timedelta(days=2), timedelta(days=4))
LANGUAGES = ("en", "zh-CN")

_templates = Environment(loader=PackageLoader("candor.recruiting", "templates"), undefined=StrictUndefined,
                         autoescape=False, keep_trailing_newline=True)  # noqa: S701 - plain-text e-mail


class NoEmailChannel(RuntimeError):
    """No enabled plugin offers an e-mail notifier."""


def add_business_days(start: datetime, days: int) -> datetime:
    """The moment ``days`` whole business days (Monday-Friday, in UTC) have passed since ``start``: the same
    time of day ``days`` weekdays later. A notice given at a weekend counts from Monday 00:00: the weekend is
    no part of the notice period (Saturday + 10 is the Monday two weeks later at 00:00; counting from
    Saturday's time of day would open the link on a Friday, one business day short)."""
    moment = start
    if days > 0 and start.weekday() >= 5:
        moment = (start + timedelta(days=7 - start.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def lead_business_days(state: CandorState, location: str) -> int:
    return int(state.policies.for_location(location).notice_lead_business_days)


def queue_invitation(state: CandorState, session: Session, invitation: Invitation) -> None:
    """Queue the invitation e-mail; the caller's commit sends it to the workers."""
    interview = session.get(Interview, invitation.interview_id)
    assert interview is not None
    job = session.get(Job, interview.job_id)
    assert job is not None
    invitation.lead_business_days = lead_business_days(state, job.location)
    invitation.status = InvitationStatus.QUEUED
    session.flush()
    enqueue(session, SEND_KIND, {"invitation_id": invitation.id}, dedupe_key=f"invite:{invitation.id}",
            subject=f"candidate:{interview.candidate_id}", purpose="recruitment")


def email_notifier(state: CandorState) -> Notifier:
    for _plugin, notifiers in state.plugins.call_each("candor_register_notifiers"):
        for notifier in notifiers:
            if getattr(notifier, "channel", None) == "email":
                return notifier  # type: ignore[no-any-return]
    raise NoEmailChannel("No enabled plugin sends e-mail; enable and configure smtp_mail (host, sender).")


def interview_link(state: CandorState, token: str) -> str:
    return f"{state.settings.public_url.rstrip('/')}/interview?t={token}"


def withdrawal_link(state: CandorState, token: str) -> str:
    return f"{state.settings.public_url.rstrip('/')}/candidate/withdraw?t={token}"


def invitation_token(state: CandorState, interview: Interview, invitation: Invitation) -> str:
    """A link token for the invitation's messages. Its nonce is derived from the installation's secret and
    the invitation, so each message signs the same nonce and earlier messages' links keep working; a link
    issued by other means (HR re-sending) replaces it as ``candor.interviews.links`` intends."""
    mac = hmac.new(state.app_secret.encode(), f"candor.invitation.v1|{interview.id}|{invitation.id}".encode(),
                   hashlib.sha256).digest()
    nonce = base64.urlsafe_b64encode(mac[:18]).decode()
    if interview.access_nonce_hash is None:
        interview.access_nonce_hash = _digest(nonce)
    return _serializer(state.app_secret).dumps({"i": interview.id, "n": nonce})


def render(kind: str, language: str, values: Mapping[str, Any]) -> tuple[str, str]:
    """``(subject, body)`` of a message from ``recruiting/<kind>.<language>.txt``; its first line is the
    subject."""
    if language not in LANGUAGES:
        language = "en"
    text = _templates.get_template(f"recruiting/{kind}.{language}.txt").render(**values)
    subject, _, body = text.partition("\n")
    return subject.removeprefix("Subject:").strip(), body.lstrip("\n")


def _message_values(state: CandorState, session: Session, interview: Interview, invitation: Invitation,
                    candidate: Candidate) -> dict[str, Any]:
    job = session.get(Job, interview.job_id)
    organization = session.get(Organization, job.organization_id) if job else None
    token = invitation_token(state, interview, invitation)
    return {
        "name": candidate.full_name,
        "organization": organization.name if organization else "",
        "job_title": job.title if job else "",
        "link": interview_link(state, token),
        "withdraw_link": withdrawal_link(state, token),
        "lead_days": invitation.lead_business_days,
        "opens_at": _when(invitation.opens_at),
        "expires_at": _when(interview.expires_at),
        "contact": organization.contact_email if organization and organization.contact_email else "",
    }


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _send(state: CandorState, kind: str, invitation: Invitation, values: Mapping[str, Any],
          candidate: Candidate) -> str:
    subject, body = render(kind, invitation.language, values)
    # A stable Message-ID per message lets mail systems drop a duplicate when a crash made us send twice.
    number = invitation.reminders_sent + (1 if kind == "reminder" else 0)
    domain = state.settings.public_url.split("//")[-1].split("/")[0].split(":")[0] or "candor.local"
    headers = {"Message-ID": f"<candor-invitation-{invitation.id}-{kind}-{number}@{domain}>",
               "Content-Language": invitation.language}
    return email_notifier(state).send(Message(to=candidate.email or "", subject=subject, body=body,
                                              headers=headers))


def send_invitation(state: CandorState, context: WorkContext) -> dict[str, Any]:
    """Work handler: send the invitation, start the link's clock and schedule the first reminder."""
    session = context.session
    invitation = session.get(Invitation, context.payload["invitation_id"])
    if invitation is None:
        return {"outcome": "gone"}  # erased meanwhile
    if invitation.status == InvitationStatus.SENT:
        return {"outcome": "already_sent"}
    interview = session.get(Interview, invitation.interview_id)
    assert interview is not None
    if interview.state != InterviewState.CREATED:
        invitation.status = InvitationStatus.STOPPED
        return {"outcome": "stopped", "state": str(interview.state)}
    candidate = session.get(Candidate, interview.candidate_id)
    assert candidate is not None
    now = utcnow()
    invitation.opens_at = add_business_days(now, invitation.lead_business_days)
    interview.expires_at = invitation.opens_at + LINK_VALID
    values = _message_values(state, session, interview, invitation, candidate)
    invitation.message_ref = _send(state, "invitation", invitation, values, candidate)[:300]
    invitation.sent_at = now
    invitation.status = InvitationStatus.SENT
    invitation.last_error = None
    interview.move_to(InterviewState.INVITED, actor="system:recruiting", reason=f"invitation {invitation.id}")
    first = invitation.opens_at if invitation.opens_at > now else now + REMINDER_INTERVALS[0]
    _schedule_reminder(session, invitation, interview, first, number=1)
    audit.record(session, "system.invitation_sent", f"candidate:{interview.candidate_id}",
                 purpose="recruitment",
                 details={"interview": interview.id, "lead_business_days": invitation.lead_business_days})
    return {"outcome": "sent"}


def _schedule_reminder(session: Session, invitation: Invitation, interview: Interview, at: datetime, *,
                       number: int) -> None:
    if number > len(REMINDER_INTERVALS) or interview.expires_at is not None and at >= interview.expires_at:
        invitation.next_reminder_at = None
        return
    invitation.next_reminder_at = at
    item = enqueue(session, REMIND_KIND, {"invitation_id": invitation.id, "number": number},
                   dedupe_key=f"remind:{invitation.id}:{number}",
                   subject=f"candidate:{interview.candidate_id}", purpose="recruitment")
    # Not before its time: a worker that receives it early leaves it queued, and the sweep sends it again
    # once it is due.
    item.not_before = at


def send_reminder(state: CandorState, context: WorkContext) -> dict[str, Any]:
    """Work handler: remind a candidate who has not started, and schedule the next reminder."""
    session = context.session
    invitation = session.get(Invitation, context.payload["invitation_id"])
    number = int(context.payload["number"])
    if invitation is None:
        return {"outcome": "gone"}
    if invitation.reminders_sent >= number:
        return {"outcome": "already_sent"}
    interview = session.get(Interview, invitation.interview_id)
    assert interview is not None
    if interview.state != InterviewState.INVITED:
        invitation.next_reminder_at = None
        return {"outcome": "not_needed", "state": str(interview.state)}
    now = utcnow()
    if interview.expires_at is not None and interview.expires_at <= now:
        invitation.next_reminder_at = None
        return {"outcome": "expired"}
    candidate = session.get(Candidate, interview.candidate_id)
    assert candidate is not None
    values = _message_values(state, session, interview, invitation, candidate)
    values["is_open"] = invitation.opens_at is None or invitation.opens_at <= now
    invitation.message_ref = _send(state, "reminder", invitation, values, candidate)[:300]
    invitation.reminders_sent = number
    invitation.last_reminder_at = now
    interval = REMINDER_INTERVALS[min(number, len(REMINDER_INTERVALS) - 1)]
    _schedule_reminder(session, invitation, interview, now + interval, number=number + 1)
    audit.record(session, "system.reminder_sent", f"candidate:{interview.candidate_id}",
                 purpose="recruitment", details={"interview": interview.id, "number": number})
    return {"outcome": "sent", "number": number}


def refusal_before_open(session: Session, interview: Interview) -> str | None:
    """Why the candidate may not start yet, or ``None``: the link opens only after the notice lead time."""
    opens_at = session.scalar(select(Invitation.opens_at).where(Invitation.interview_id == interview.id))
    if opens_at is None or opens_at <= utcnow():
        return None
    return (f"This interview opens on {_when(opens_at)}: the law where the job is located requires the "
            "notice to come that long before an automated tool is used. Open the link again from then on; "
            "you can withdraw at any time through the withdrawal link in the message.")
