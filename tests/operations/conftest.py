"""Fixtures of the operations tests: a recording made once, the webhook receiver, PostgreSQL and Redis as the
deployment uses them (skipped cleanly when they do not answer), and a running deployment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from candor.ops import simulate
from candor.testing import postgres_available, redis_available
from tests.outbox.helpers import SECRET
from tests.outbox.receiver import Receiver

from .deployment import (
    Deployment,
    create_database,
    drop_database,
    gunicorn_available,
    shared_postgres_admin_url,
)

#: Redis databases of the shared server used by these tests (the suite's own tests use 9).
REDIS_DB = 11


@pytest.fixture(scope="session")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, float]:
    """A 3-second answer (piper voice over the packaged face, WebM) sent for every simulated answer."""
    pytest.importorskip("piper", reason="the simulated answer needs piper-tts (pip install -e '.[dev]')")
    return simulate.make_recording(tmp_path_factory.mktemp("recording"), 3.0)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(SECRET).start()
    yield server
    server.stop()


def webhook_config(receiver: Receiver) -> str:
    return f'[plugin_settings.webhooks]\nurl = "{receiver.url}"\nsecrets = "{SECRET}"\ntimeout = 5.0\n'


@pytest.fixture
def shared_services() -> tuple[str, str]:
    if not gunicorn_available():
        pytest.skip("gunicorn is not installed (pip install -e '.[deploy]')")
    if not postgres_available():
        pytest.skip("PostgreSQL does not answer (CANDOR_TEST_POSTGRES_URL)")
    if not redis_available():
        pytest.skip("Redis does not answer (CANDOR_TEST_REDIS_URL)")
    from candor.testing import REDIS_URL

    return shared_postgres_admin_url(), REDIS_URL.rsplit("/", 1)[0] + f"/{REDIS_DB}"


@pytest.fixture
def fresh_database(shared_services: tuple[str, str]) -> Iterator[str]:
    url = create_database(shared_services[0])
    yield url
    drop_database(url)


@pytest.fixture
def deployment_factory(tmp_path: Path) -> Iterator[Any]:
    """Build deployments that are stopped (and their logs kept on failure) at the end of the test."""
    made: list[Deployment] = []

    def make(database_url: str, broker_url: str, name: str = "site", **options: Any) -> Deployment:
        deployment = Deployment(tmp_path / name, database_url, broker_url, **options)
        made.append(deployment)
        return deployment

    yield make
    for deployment in made:
        deployment.stop()
