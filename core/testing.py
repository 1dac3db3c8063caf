"""Pytest fixtures for Candor and its plugins, loaded automatically as the ``candor`` pytest plugin.

Every test that asks for ``candor_database`` (directly or through ``candor_app``) runs once on SQLite and once
on PostgreSQL when one answers (``CANDOR_TEST_POSTGRES_URL``, default ``127.0.0.1:5432/test``). Each test gets
a fresh database copied from a template that the real migrations built once per run.

Set ``CANDOR_TEST_BACKENDS=sqlite`` to run on SQLite only.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

POSTGRES_URL = os.environ.get("CANDOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CANDOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
STAFF_PASSWORD = "correct horse battery staple"  # noqa: S105 - test fixtures only


def postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


def _backends() -> list[str]:
    wanted = os.environ.get("CANDOR_TEST_BACKENDS", "sqlite,postgresql")
    return [name.strip() for name in wanted.split(",") if name.strip()]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "candor_backends(*names): run this test only on these databases (sqlite, postgresql)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "candor_database" in metafunc.fixturenames:
        backends = _backends()
        marker = metafunc.definition.get_closest_marker("candor_backends")
        if marker is not None:
            backends = [name for name in backends if name in marker.args]
        metafunc.parametrize("candor_database", backends, indirect=True)


@dataclass
class _Templates:
    root: Path
    sqlite: Path | None = None
    postgres: str | None = None
    postgres_checked: bool = False
    postgres_ok: bool = False


@pytest.fixture(scope="session")
def _candor_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    templates = _Templates(root=tmp_path_factory.mktemp("candor-templates"))
    yield templates
    if templates.postgres:
        _drop_postgres_database(templates.postgres)


def _migrate(database_url: str, data_dir: Path) -> None:
    from candor.app import create_app
    from candor.db import migrate
    from candor.state import get_state

    app = create_app({"database_url": database_url, "data_dir": data_dir, "testing": True})
    state = get_state(app)
    migrate.upgrade(state)
    state.db.dispose()


def _admin_engine() -> Any:
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _drop_postgres_database(name: str) -> None:
    engine = _admin_engine()
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def candor_database(request: pytest.FixtureRequest, _candor_templates: _Templates, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL on the backend this test instance runs with."""
    backend = request.param
    templates = _candor_templates
    if backend == "sqlite":
        if templates.sqlite is None:
            path = templates.root / "template.db"
            _migrate(f"sqlite:///{path}", templates.root / "data")
            templates.sqlite = path
        copy = tmp_path / "candor.db"
        shutil.copy(templates.sqlite, copy)
        yield f"sqlite:///{copy}"
        return
    if backend != "postgresql":
        raise ValueError(f"unknown test backend {backend!r}")
    if not templates.postgres_checked:
        templates.postgres_checked = True
        templates.postgres_ok = postgres_available()
    if not templates.postgres_ok:
        pytest.skip(f"PostgreSQL does not answer at {make_url(POSTGRES_URL).render_as_string()}")
    base = make_url(POSTGRES_URL)
    if templates.postgres is None:
        name = f"candor_tpl_{os.getpid()}_{secrets.token_hex(3)}"
        engine = _admin_engine()
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        _migrate(base.set(database=name).render_as_string(hide_password=False), templates.root / "pg-data")
        templates.postgres = name
    name = f"candor_t_{secrets.token_hex(6)}"
    engine = _admin_engine()
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{templates.postgres}"'))
    engine.dispose()
    yield base.set(database=name).render_as_string(hide_password=False)
    _drop_postgres_database(name)


@pytest.fixture
def candor_settings(tmp_path: Path, candor_database: str) -> dict[str, Any]:
    """Settings overrides for a test app: its own data folder, database and embedded broker queue."""
    return {
        "data_dir": tmp_path / "data",
        "database_url": candor_database,
        "testing": True,
        "queue_name": f"test-{secrets.token_hex(4)}",
    }


@pytest.fixture
def candor_app(candor_settings: dict[str, Any]) -> Iterator[Flask]:
    from candor.app import create_app
    from candor.state import get_state

    app = create_app(candor_settings)
    yield app
    get_state(app).db.dispose()


@pytest.fixture
def candor_client(candor_app: Flask) -> FlaskClient:
    return candor_app.test_client()


@pytest.fixture
def make_staff(candor_app: Flask) -> Callable[..., Any]:
    """Create a staff user: ``make_staff("reviewer")`` returns the user (password ``STAFF_PASSWORD``)."""
    from candor.auth.models import Role, User
    from candor.auth.passwords import hash_password
    from candor.state import get_state

    password_hash = hash_password(STAFF_PASSWORD)

    def make(role: str = "admin", email: str | None = None) -> User:
        user = User(email=email or f"{role}-{secrets.token_hex(3)}@example.com", role=Role(role),
                    password_hash=password_hash)
        with get_state(candor_app).db.transaction() as session:
            session.add(user)
        return user

    return make


def csrf_token_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


@pytest.fixture
def sign_in(candor_client: FlaskClient) -> Callable[[Any], FlaskClient]:
    """Sign a user in through the real login form; returns the client, now holding a session."""

    def do(user: Any) -> FlaskClient:
        page = candor_client.get("/admin/login")
        token = csrf_token_from(page.get_data(as_text=True))
        response = candor_client.post(
            "/admin/login", data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return candor_client

    return do


@pytest.fixture
def candor_cli(candor_app: Flask) -> Callable[..., Any]:
    """Run a ``candor`` command against the test app: ``candor_cli("doctor", "--json")``."""
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from candor.cli import cli

    def invoke(*args: str, input: str | None = None) -> Any:
        return CliRunner().invoke(cli, list(args), input=input, obj=ScriptInfo(create_app=lambda: candor_app))

    return invoke
