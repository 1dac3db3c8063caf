"""The recruiting loop: applicants arriving from HR systems, webhooks and imports become candidates and
interviews, get invited by e-mail with the policy's notice lead time, are reminded, and their results and the
human decisions go back to the HR system through the outbox.

Modules: ``intake`` (jobs and applicants in), ``invitations`` (e-mails, reminders, when links open),
``sync`` (pulling from connectors), ``loop`` (concluding analysis, result and decision events), ``work`` (the
core work kinds), ``cli`` (``candor ehr``).
"""

from candor.recruiting.intake import IntakeError, intake_applicant, release, upsert_job

__all__ = ["IntakeError", "intake_applicant", "release", "upsert_job"]
