"""Building an app with the webhook connector pointed at a receiver, a candidate to send events about, and
running the queued units of work in this process through the real work runner."""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import select

from candor.app import create_app
from candor.consent.models import ConsentChannel
from candor.consent.service import Evidence, record_decisions
from candor.db import utcnow
from candor.declarations import Purpose
from candor.interviews.models import Candidate, Interview
from candor.jobs.models import Job
from candor.orgs.models import Organization
from candor.state import get_state
from candor.tasks import WorkState
from candor.tasks import work as work_module
from candor.tasks.models import WorkItem

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


def make_app(candor_settings: dict[str, Any], receiver_url: str, **webhooks: Any) -> Any:
    plugin = {"url": receiver_url, "secrets": SECRET, "timeout": 1.0, **webhooks}
    settings = {**candor_settings, "outbox_backoff_base_seconds": 0.05, "outbox_backoff_cap_seconds": 0.5,
                "plugin_settings": {"webhooks": plugin}}
    return create_app(settings)


def make_candidate(app: Any, *, location: str = "DE", consents: tuple[Purpose, ...] = ()) -> dict[str, int]:
    state = get_state(app)
    with state.db.transaction() as session:
        org = Organization(name="Acme", slug=f"acme-{random.randrange(10**9)}", jurisdictions=[location])
        session.add(org)
        session.flush()
        job = Job(organization_id=org.id, title="Analyst", location=location)
        candidate = Candidate(organization_id=org.id, full_name="Ines Varga", email="ines.varga@example.org")
        session.add_all([job, candidate])
        session.flush()
        interview = Interview(job_id=job.id, candidate_id=candidate.id)
        session.add(interview)
        session.flush()
        if consents:
            record_decisions(session, candidate_id=candidate.id, interview_id=interview.id,
                             decisions=dict.fromkeys(consents, True), notice_version="test",
                             notice_hash="0" * 64, offered=list(consents), ip_key=b"k" * 32,
                             evidence=Evidence(language="en", channel=ConsentChannel.WEB))
        return {"candidate_id": candidate.id, "interview_id": interview.id, "job_id": job.id}


def run_queued(app: Any, *, timeout: float = 60.0, shuffle: bool = False, until: Any = None) -> int:
    """Run due queued units (in random order with ``shuffle``) until none is left or ``until()`` holds."""
    state = get_state(app)
    deadline = time.monotonic() + timeout
    ran = 0
    while time.monotonic() < deadline:
        with state.db.transaction() as session:
            rows = session.execute(select(WorkItem.id, WorkItem.not_before)
                                   .where(WorkItem.state == WorkState.QUEUED)).all()
        if not rows or (until is not None and until()):
            return ran
        now = utcnow()
        due = [item_id for item_id, not_before in rows if not_before is None or not_before <= now]
        if not due:
            time.sleep(0.02)
            continue
        if shuffle:
            random.shuffle(due)
        for item_id in due:
            with app.app_context():
                work_module.run(state, item_id)
            ran += 1
    raise AssertionError("queued work did not finish in time")
