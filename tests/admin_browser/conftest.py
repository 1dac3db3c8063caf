"""A real platform and a real browser for the admin pages.

``candor run`` serves the app with its worker from a data folder of the test's own (SQLite, embedded broker),
after the demo candidate took an interview through the whole pipeline (``candor.demo.run``: synthesized voice,
packaged face, real transcription and analysers), so a reviewer has a fully analysed interview to decide.
Debian Chromium is driven by Playwright. The approach follows ``tests/browser/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.live import free_port, wait_http

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"
PASSWORD = "correct horse battery staple"  # noqa: S105 - test fixtures only


@dataclass
class AdminServer:
    base_url: str
    data_dir: Path
    log: Path
    users: dict[str, str] = field(default_factory=dict)  # role -> e-mail
    interview_id: int = 0


def _chromium_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install -y chromium); the admin browser tests need it"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    return None


def _prepare(data_dir: Path, base: str) -> tuple[dict[str, str], int]:
    """Staff of each role, the demo interview taken and analysed, and the reviewer assigned to it."""
    from candor.app import create_app
    from candor.auth.models import Role, User
    from candor.auth.passwords import hash_password
    from candor.demo.run import take_demo_interview
    from candor.review.models import ReviewAssignment
    from candor.state import get_state

    app = create_app({"data_dir": data_dir, "public_url": base})
    state = get_state(app)
    try:
        users = {}
        with state.db.transaction() as session:
            for role in ("reviewer", "auditor", "recruiter"):
                user = User(email=f"{role}@example.com", display_name=f"Test {role}", role=Role(role),
                            password_hash=hash_password(PASSWORD))
                session.add(user)
                users[role] = user.email
        with app.app_context():
            report = take_demo_interview(state)
        with state.db.transaction() as session:
            from sqlalchemy import select

            reviewer_id = session.scalar(select(User.id).where(User.email == users["reviewer"]))
            session.add(ReviewAssignment(interview_id=report.interview_id, reviewer_id=reviewer_id,
                                         assigned_by="user:1"))
        return users, report.interview_id
    finally:
        state.db.dispose()


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminServer]:
    """``candor run`` on a free port with an analysed interview awaiting review (one per module: ~20 s)."""
    missing = _chromium_missing()
    if missing:
        pytest.skip(missing)
    root = tmp_path_factory.mktemp("admin-live")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = root / "data"
    env = {**os.environ, "CANDOR_DATA_DIR": str(data_dir), "CANDOR_PUBLIC_URL": base,
           "CANDOR_LOG_FORMAT": "json", "CANDOR_SWEEP_INTERVAL_SECONDS": "2"}
    for name in ("CANDOR_DATABASE_URL", "CANDOR_BROKER_URL", "CANDOR_CONFIG"):
        env.pop(name, None)
    init = subprocess.run([sys.executable, "-m", "candor.cli", "init"], env=env, capture_output=True, text=True,
                          timeout=180)
    assert init.returncode == 0, init.stdout + init.stderr
    users, interview_id = _prepare(data_dir, base)
    server = AdminServer(base_url=base, data_dir=data_dir, log=root / "server.log", users=users,
                         interview_id=interview_id)
    process = subprocess.Popen([sys.executable, "-m", "candor.cli", "run", "--port", str(port)], env=env,
                               stdout=server.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"{base}/healthz", server.log)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A Chromium context at phone width (360 px) that accepts downloads."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=args,
            viewport={"width": 360, "height": 740}, locale="en-US", accept_downloads=True)
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """Where this test's screenshots and downloads go (CI keeps ``test-artifacts/``)."""
    folder = ARTIFACTS / request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
