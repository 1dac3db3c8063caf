"""A deployment on this machine as an operator runs one: gunicorn with several processes, several ``candor worker``
processes, PostgreSQL and Redis; plus private PostgreSQL and Redis servers that a test may restart.

Used by the deployment and fault-drill tests and by ``bench/load_bench.py``. Every process gets the same
environment (``CANDOR_*``), as systemd units or containers would.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, make_url, text

from candor.testing import POSTGRES_URL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float, what: str, logs: Callable[[], str] = lambda: "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs()}")


def children_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


def gunicorn_available() -> bool:
    return shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is not None


def create_database(admin_url: str) -> str:
    """A new, empty database on the server of ``admin_url``; returns its URL (the caller drops it)."""
    name = f"candor_ops_{secrets.token_hex(5)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    engine = create_engine(parsed.set(database="postgres").render_as_string(hide_password=False),
                           isolation_level="AUTOCOMMIT")
    with contextlib.suppress(Exception), engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    engine.dispose()


def shared_postgres_admin_url() -> str:
    return POSTGRES_URL


class Process:
    """One long-running child with its own process group and log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path,
                 user: str | None = None) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log = log
        self.user = user
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            args = ["runuser", "-u", self.user, "--", *self.args] if self.user else self.args
            self.popen = subprocess.Popen(args, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole group (children included), as a power cut (SIGKILL) or an operator (SIGTERM)."""
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} ({self.log}):\n" + (self.log.read_text(errors="replace")[-chars:]
                                                      if self.log.exists() else "(no log)")


class PrivateRedis:
    """``redis-server`` on its own port without persistence: a restart loses every message it held."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: Process | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.process = Process("redis", ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                               dict(os.environ), self.folder / "redis.log").start()
        wait_for(lambda: _redis_ping(self.url), 20, "the private Redis", self.process.tail)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill(signal.SIGKILL)

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()


def _redis_ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary folder, another port) that a test may restart;
    the machine's PostgreSQL is never touched. Runs as the ``postgres`` user when the tests run as root."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="candor-pg-"))
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.process: Process | None = None

    @staticmethod
    def available() -> bool:
        if not (shutil.which("initdb") and shutil.which("postgres")):
            return False
        if os.geteuid() == 0:
            import pwd

            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return False
        return True

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, args: list[str]) -> None:
        command = ["runuser", "-u", self.user, "--", *args] if self.user else args
        subprocess.run(command, check=True, capture_output=True)

    def init(self) -> PrivatePostgres:
        if self.user:
            shutil.chown(self.folder, self.user, self.user)
        self._run(["initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        return self

    def start(self) -> PrivatePostgres:
        log = self.folder / "postgres.log"
        self.process = Process("postgres", ["postgres", "-D", str(self.folder / "data"), "-p", str(self.port),
                                            "-h", "127.0.0.1", "-k", str(self.folder), "-c", "fsync=off",
                                            "-c", "max_connections=200"],
                               dict(os.environ), log, user=self.user).start()
        wait_for(self._answers, 30, "the private PostgreSQL", self.process.tail)
        return self

    def _answers(self) -> bool:
        try:
            engine = create_engine(self.admin_url, connect_args={"connect_timeout": 1})
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
            return True
        except Exception:
            return False

    def stop(self) -> None:
        """A fast shutdown: sessions are cut, as in a restart by the operator."""
        if self.process is not None and self.process.alive():
            self._run(["pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"])
            self.process.popen.wait(timeout=60)  # type: ignore[union-attr]

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            if self.process is not None:
                self.process.kill(signal.SIGKILL)
            shutil.rmtree(self.folder, ignore_errors=True)


class Deployment:
    """gunicorn (``web_processes``) and ``candor worker`` processes sharing one data folder, database and broker."""

    def __init__(self, folder: Path, database_url: str, broker_url: str, *, web_processes: int = 2,
                 web_threads: int = 8, worker_concurrency: int = 1, settings: dict[str, str] | None = None,
                 config: str = "") -> None:
        self.folder = folder
        self.port = free_port()
        self.web_processes = web_processes
        self.web_threads = web_threads
        self.worker_concurrency = worker_concurrency
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        (folder / "prometheus").mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "CANDOR_DATA_DIR": str(folder / "data"),
            "CANDOR_DATABASE_URL": database_url,
            "CANDOR_BROKER_URL": broker_url,
            "CANDOR_QUEUE_NAME": f"ops-{secrets.token_hex(4)}",
            "CANDOR_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "CANDOR_LOG_LEVEL": "WARNING",
            "CANDOR_SWEEP_INTERVAL_SECONDS": "1",
            "CANDOR_WORK_STALE_SECONDS": "5",
            "CANDOR_FOLLOW_UPS_PER_QUESTION": "0",
            "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
            **(settings or {}),
        }
        if config:
            (folder / "candor.toml").write_text(config)
            self.env["CANDOR_CONFIG"] = str(folder / "candor.toml")
        self.web: Process | None = None
        self.workers: list[Process] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "candor.cli", *args], env=self.env, capture_output=True,
                                text=True, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"candor {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n"
                                 f"{result.stderr[-3000:]}")
        return result

    def app_settings(self) -> dict[str, Any]:
        """The same settings, for an app built in the test process (seeding and checks)."""
        settings: dict[str, Any] = {
            "data_dir": self.env["CANDOR_DATA_DIR"], "database_url": self.env["CANDOR_DATABASE_URL"],
            "broker_url": self.env["CANDOR_BROKER_URL"], "queue_name": self.env["CANDOR_QUEUE_NAME"],
            "public_url": self.env["CANDOR_PUBLIC_URL"], "follow_ups_per_question": 0,
        }
        from candor.config import Settings

        for key, value in self.env.items():
            name = key.removeprefix("CANDOR_").lower()
            if key.startswith("CANDOR_") and name in Settings.model_fields and "__" not in name:
                settings.setdefault(name, value)
        return settings

    def start_web(self) -> None:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.web = Process("web", [gunicorn, "-c", "python:candor.ops.gunicorn_conf", "--bind",
                                   f"127.0.0.1:{self.port}", "--workers", str(self.web_processes),
                                   "--threads", str(self.web_threads), "candor.app:create_app()"],
                           self.env, self.folder / "logs" / "web.log").start()
        wait_for(self._web_answers, 90, "the web processes", self.logs)

    def _web_answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def start_worker(self) -> Process:
        number = len(self.workers) + 1
        worker = Process(f"worker-{number}", [sys.executable, "-m", "candor.cli", "worker", "--concurrency",
                                              str(self.worker_concurrency)],
                         self.env, self.folder / "logs" / f"worker-{number}.log").start()
        self.workers.append(worker)
        return worker

    def start(self, workers: int = 2) -> Deployment:
        self.cli("db", "upgrade")
        self.start_web()
        for _ in range(workers):
            self.start_worker()
        return self

    def web_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the arbiter)."""
        assert self.web is not None
        return children_of(self.web.pid)

    def stop(self) -> None:
        for process in [*self.workers, self.web]:
            if process is not None:
                process.stop()

    def logs(self) -> str:
        return "\n".join(p.tail() for p in [self.web, *self.workers] if p is not None)
