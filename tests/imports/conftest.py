"""Fixtures of the import tests: an organisation, a job of it and a command runner returning exit codes."""

from __future__ import annotations

from typing import Any

import pytest

from candor.jobs.models import Job, JobStatus
from candor.orgs.models import Organization
from candor.state import get_state


@pytest.fixture
def organization(candor_app: Any) -> int:
    with get_state(candor_app).db.transaction() as session:
        org = Organization(name="Acme", slug="acme", jurisdictions=["CN"])
        session.add(org)
        session.flush()
        return int(org.id)


@pytest.fixture
def job(candor_app: Any, organization: int) -> int:
    with get_state(candor_app).db.transaction() as session:
        item = Job(organization_id=organization, title="数据工程师", location="CN", language="zh",
                   status=JobStatus.OPEN, external_ref="REQ-1")
        session.add(item)
        session.flush()
        return int(item.id)
