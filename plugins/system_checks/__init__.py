"""The core's own diagnostics, shipped as a plugin of the same hook others use: database, schema, broker,
keys and workers. ``/readyz`` uses the database, schema and broker checks."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text

from candor import PluginDeclaration, hookimpl
from candor.interfaces import CheckResult, CheckStatus, DoctorCheck


@hookimpl
def candor_declare() -> PluginDeclaration:
    return PluginDeclaration(
        name="system_checks",
        title="Installation checks",
        description="Checks the database, its schema, the task broker, the keys and the workers.",
        capabilities=frozenset({"diagnostics"}),
    )


@hookimpl
def candor_doctor_checks(settings: Mapping[str, Any]) -> Sequence[DoctorCheck]:
    return [
        DoctorCheck("database", check_database, readiness=True),
        DoctorCheck("schema", check_schema, readiness=True),
        DoctorCheck("broker", check_broker, readiness=True),
        DoctorCheck("keys", check_keys),
        DoctorCheck("work_queue", check_work_queue),
    ]


def _state(app: Any) -> Any:
    from candor.state import get_state

    return get_state(app)


def check_database(app: Any) -> CheckResult:
    state = _state(app)
    try:
        with state.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return CheckResult(CheckStatus.FAILED, f"cannot connect ({type(exc).__name__})",
                           "Check CANDOR_DATABASE_URL and that the database server is running.")
    return CheckResult(CheckStatus.OK, f"{state.db.engine.dialect.name} answers")


def check_schema(app: Any) -> CheckResult:
    from candor.db.migrate import pending_histories

    try:
        pending = pending_histories(_state(app))
    except Exception as exc:
        return CheckResult(CheckStatus.FAILED, f"cannot read the schema version ({type(exc).__name__})",
                           "Run: candor db upgrade")
    if pending:
        return CheckResult(CheckStatus.FAILED, f"migrations not applied: {', '.join(pending)}",
                           "Run: candor db upgrade")
    return CheckResult(CheckStatus.OK, "every migration history is at its head")


def check_broker(app: Any) -> CheckResult:
    state = _state(app)
    if state.settings.uses_embedded_broker:
        folder = state.settings.broker_folder
        if folder.is_dir() and os.access(folder, os.W_OK):
            return CheckResult(CheckStatus.OK, f"embedded broker in {folder}")
        return CheckResult(CheckStatus.FAILED, f"embedded broker folder {folder} is not writable",
                           "Check the data folder's owner and permissions.")
    try:
        with state.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:
        return CheckResult(CheckStatus.FAILED, f"cannot reach the broker ({type(exc).__name__})",
                           "Check CANDOR_BROKER_URL and that Redis or RabbitMQ is running.")
    return CheckResult(CheckStatus.OK, f"{connection.transport_cls} broker answers")


def check_keys(app: Any) -> CheckResult:
    state = _state(app)
    if state.settings.secret_key:
        return CheckResult(CheckStatus.OK, "session key comes from the configuration")
    path = state.settings.data_dir / "secret_key"
    if not path.exists():
        return CheckResult(CheckStatus.FAILED, "no session key file", "Run: candor init")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return CheckResult(CheckStatus.FAILED, f"{path} is readable by others (mode {mode:o})",
                           f"Run: chmod 600 {path}")
    return CheckResult(CheckStatus.OK, f"session key file {path} is private (mode {mode:o})")


def check_work_queue(app: Any) -> CheckResult:
    from candor.db import utcnow
    from candor.tasks.models import WorkItem, WorkState

    state = _state(app)
    with state.db.transaction() as session:
        failed = session.scalar(select(func.count()).where(WorkItem.state == WorkState.FAILED)) or 0
        late = session.scalar(
            select(func.count()).where(
                WorkItem.state == WorkState.QUEUED,
                WorkItem.enqueued_at < utcnow() - timedelta(seconds=state.settings.work_stale_seconds * 5),
            )
        ) or 0
    if late:
        return CheckResult(CheckStatus.WARNING, f"{late} units of work have waited long; failed: {failed}",
                           "Start a worker: candor worker (candor run starts one).")
    if failed:
        return CheckResult(CheckStatus.WARNING, f"{failed} units of work failed for good",
                           "Look at their last_error; they are kept for inspection.")
    return CheckResult(CheckStatus.OK, "no late or failed work")
