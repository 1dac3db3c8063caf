"""The one Celery app of the platform: JSON only, late acknowledgement, one task that runs units of work.

The embedded broker is kombu's filesystem transport in the data folder: no server, several processes.
Brokers are only a wake-up channel here; ``candor.tasks.work`` keeps the truth in the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from celery import Celery

from candor.config import Settings

if TYPE_CHECKING:
    from flask import Flask

RUN_WORK_TASK = "candor.run_work"


def make_celery(settings: Settings) -> Celery:
    celery = Celery("candor", set_as_current=False)
    conf: dict[str, Any] = {
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        "result_backend": None,
        # A unit is acknowledged after it ran, and re-queued if its process dies.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": settings.queue_name,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 3,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "enable_utc": True,
    }
    if settings.uses_embedded_broker:
        folder = settings.broker_folder / settings.queue_name
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (settings.broker_folder / "control").mkdir(parents=True, exist_ok=True, mode=0o700)
        conf.update(
            broker_url="filesystem://",
            broker_transport_options={
                "data_folder_in": str(folder),
                "data_folder_out": str(folder),
                "control_folder": str(settings.broker_folder / "control"),
                "store_processed": False,
                "polling_interval": settings.broker_poll_seconds,
            },
            worker_enable_remote_control=False,
        )
    else:
        conf.update(broker_url=settings.broker_url, broker_transport_options={"max_retries": 2})
    celery.conf.update(conf)

    @celery.task(name=RUN_WORK_TASK, bind=True, ignore_result=True)
    def run_work(task: Any, item_id: int) -> str:
        from candor.state import get_state
        from candor.tasks import work

        flask_app: Flask = task.app.flask_app
        with flask_app.app_context():
            return work.run(get_state(flask_app), int(item_id))

    return celery
