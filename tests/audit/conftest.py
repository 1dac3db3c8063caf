"""Helpers of the audit tests: the app state, a chain with entries in it, and real export bundles."""

import pytest

from candor import audit
from candor.audit.export import ExportFilter, export_bundle
from candor.state import get_state


@pytest.fixture
def state(candor_app):
    return get_state(candor_app)


@pytest.fixture
def fill(state):
    """Append ``count`` entries, one transaction each, as a system job."""

    def fill(count, action="admin.test", purpose="administration"):
        with audit.acting_as("system:test"):
            for number in range(count):
                with state.db.transaction() as session:
                    audit.record(session, action, f"user:{number}", purpose=purpose, details={"n": number})

    return fill


@pytest.fixture
def make_bundle(state, tmp_path):
    def make(name="bundle.zip", **filters):
        path = tmp_path / name
        with path.open("wb") as handle, audit.acting_as("system:test"):
            export_bundle(state, handle, ExportFilter(**filters))
        return path

    return make
