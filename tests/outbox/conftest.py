"""The test app has the webhook connector pointed at the test's own receiver; it replaces ``candor_app`` so
that ``make_staff``, ``sign_in`` and ``candor_client`` use it. ``outbox_overrides`` adds core settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from candor.state import get_state

from .helpers import SECRET, make_app
from .receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def outbox_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def webhook_settings() -> dict[str, Any]:
    return {"region": "EU"}


@pytest.fixture
def candor_app(candor_settings, receiver, outbox_overrides, webhook_settings):
    application = make_app({**candor_settings, **outbox_overrides}, receiver.url, **webhook_settings)
    yield application
    get_state(application).db.dispose()


@pytest.fixture
def app(candor_app):
    return candor_app


@pytest.fixture
def state(app):
    return get_state(app)
