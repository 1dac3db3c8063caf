"""The ``candor`` command as an operator runs it: init, doctor, and run serving HTTP with its worker."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from support.live import free_port, wait_http

from candor.testing import csrf_token_from

pytestmark = pytest.mark.candor_backends("sqlite")

QUICK_PLUGIN = textwrap.dedent('''
    from candor import PluginDeclaration, hookimpl

    @hookimpl
    def candor_declare():
        return PluginDeclaration(name="echo", title="Echo", capabilities=frozenset({"background_work"}))

    @hookimpl
    def candor_register_work_handlers(settings):
        return {"echo.say": lambda context: {"said": context.payload["text"]}}
''')


def _candor(env, *args, timeout=120, **kwargs):
    return subprocess.run([sys.executable, "-m", "candor.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    plugin_dir = tmp_path / "plugin"
    plugin_dir.mkdir()
    (plugin_dir / "echo.py").write_text(QUICK_PLUGIN)
    return {**os.environ, "CANDOR_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(plugin_dir),
            "CANDOR_PLUGIN_MODULES": "echo", "CANDOR_LOG_FORMAT": "json"}


def test_init_is_idempotent_and_doctor_reports_each_dependency(env):
    first = _candor(env, "init")
    assert first.returncode == 0, first.stderr
    assert "upgraded: core" in first.stdout and "First administrator: admin@example.com" in first.stdout
    second = _candor(env, "init")
    assert second.returncode == 0 and "schema already current" in second.stdout
    assert "First administrator" not in second.stdout
    assert (Path(env["CANDOR_DATA_DIR"]) / "candor.db").stat().st_mode & 0o077 == 0

    doctor = _candor(env, "doctor", "--json")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    checks = {c["name"]: c["status"] for c in json.loads(doctor.stdout)}
    assert {"database", "schema", "broker", "keys", "key_ring", "work_queue", "storage"} <= set(checks)
    # A fresh installation has no vosk model: a warning that says how to install one, not a failure.
    assert checks.pop("vosk_models") == "warning"
    assert set(checks.values()) == {"ok"}, checks


def test_doctor_fails_naming_the_broken_dependency(env):
    assert _candor(env, "init").returncode == 0
    broken = _candor({**env, "CANDOR_BROKER_URL": "redis://127.0.0.1:1/0"}, "doctor")
    assert broken.returncode == 1
    line = next(line for line in broken.stdout.splitlines() if "broker" in line)
    assert line.startswith("FAILED") and "cannot reach the broker" in line
    assert "CANDOR_BROKER_URL" in broken.stdout


def test_doctor_on_an_empty_database_says_to_upgrade(env):
    result = _candor(env, "doctor")
    assert result.returncode == 1
    assert "candor db upgrade" in result.stdout


@pytest.mark.slow
def test_run_serves_the_app_and_its_worker_runs_work(env, tmp_path):
    init = _candor(env, "init")
    password = re.search(r"with password (\S+)", init.stdout).group(1)
    port = free_port()
    log = tmp_path / "run.log"
    server = subprocess.Popen([sys.executable, "-m", "candor.cli", "run", "--port", str(port)], env=env,
                              stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", log)
        assert f"Open http://127.0.0.1:{port}/admin/" in log.read_text()
        ready = json.load(urllib.request.urlopen(f"{base}/readyz", timeout=5))
        assert ready["status"] == "ready"

        # A person signs in through the real form.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        page = opener.open(f"{base}/admin/login", timeout=5).read().decode()
        form = urlencode({"email": "admin@example.com", "password": password,
                          "csrf_token": csrf_token_from(page)}).encode()
        home = opener.open(f"{base}/admin/login", data=form, timeout=5)
        assert home.url.endswith("/admin/") and "admin@example.com" in home.read().decode()

        # The worker that `candor run` started picks up work.
        from candor.app import create_app
        from candor.state import get_state
        from candor.tasks import enqueue
        from candor.tasks.models import WorkItem

        sys.path.insert(0, env["PYTHONPATH"])
        try:
            app = create_app({"data_dir": env["CANDOR_DATA_DIR"], "plugin_modules": ["echo"]})
        finally:
            sys.path.remove(env["PYTHONPATH"])
        state = get_state(app)
        with state.db.transaction() as session:
            item_id = enqueue(session, "echo.say", {"text": "hello"}).id
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with state.db.transaction() as session:
                if session.get(WorkItem, item_id).state == "done":
                    break
            time.sleep(0.2)
        with state.db.transaction() as session:
            assert session.get(WorkItem, item_id).result == {"said": "hello"}, log.read_text()[-2000:]
        state.db.dispose()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    # JSON logs, and nothing personal in them.
    text = log.read_text()
    records = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert any(r.get("message", "").startswith("GET /healthz 200") for r in records), text[-2000:]
    assert "admin@example.com" not in text
    assert password not in text


