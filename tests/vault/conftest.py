"""Helpers of the vault tests: an organisation to hang candidates on and a way to store candidates."""

import secrets

import pytest

from candor.interviews.models import Candidate
from candor.orgs.models import Organization
from candor.state import get_state


@pytest.fixture
def state(candor_app):
    return get_state(candor_app)


@pytest.fixture
def org_id(state):
    with state.db.transaction() as session:
        org = Organization(name="Acme", slug=f"acme-{secrets.token_hex(3)}")
        session.add(org)
        session.flush()
        return org.id


@pytest.fixture
def add_candidate(state, org_id):
    def add(full_name="Zofia Wiśniewska-Quill", email="Zofia.Quill@example.org", phone="+48 601 234 987",
            external_ref="ATS-77120", subject_id=None):
        with state.db.transaction() as session:
            candidate = Candidate(organization_id=org_id, full_name=full_name, email=email, phone=phone,
                                  external_ref=external_ref)
            if subject_id is not None:
                candidate.subject_id = subject_id
            session.add(candidate)
            session.flush()
            return candidate.id

    return add
