"""The per-app state every part of the core reaches through ``get_state(app)``: settings, database,
plugins, the task queue and the objects plugins registered. Built once by ``create_app``."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from flask import Flask, current_app

from candor.config import Settings
from candor.db import Database
from candor.interfaces import Analyzer, DoctorCheck, StorageBackend, WorkHandler
from candor.plugins import PluginRegistry
from candor.policy import PolicySet
from candor.tasks.celery_app import RUN_WORK_TASK

log = logging.getLogger(__name__)


@dataclass
class CandorState:
    settings: Settings
    db: Database
    plugins: PluginRegistry
    celery: Celery
    work_handlers: dict[str, WorkHandler] = field(default_factory=dict)
    doctor_checks: list[tuple[str, DoctorCheck]] = field(default_factory=list)
    storage_backends: dict[str, StorageBackend] = field(default_factory=dict)
    analyzers: dict[tuple[str, str], Analyzer] = field(default_factory=dict)  # (plugin, analyzer name)
    app_secret: str = field(default="", repr=False)
    policies: PolicySet = field(default_factory=lambda: PolicySet(()))  # the packs; see candor.policy
    #: Objects a core package builds lazily and keeps for the app's life (e.g. the EHR connectors).
    extras: dict[str, Any] = field(default_factory=dict)
    #: The Flask app this state belongs to, for work that runs outside a request (the redactor is kept on it).
    app: Flask | None = field(default=None, repr=False)

    @property
    def consent_ip_key(self) -> bytes:
        """Key for hashing IP addresses in consent evidence, derived so it differs from the session key."""
        return hashlib.sha256(b"candor.consent-ip-key|" + self.app_secret.encode()).digest()

    def dispatch(self, items: Sequence[tuple[int, float]]) -> None:
        """Send unit ids to the broker. A failure is logged, not raised: the sweep sends them later."""
        for item_id, delay in items:
            try:
                self.celery.send_task(RUN_WORK_TASK, args=[item_id], countdown=delay or None,
                                      queue=self.settings.queue_name)
            except Exception as exc:  # broker down: the unit stays queued in the database
                log.warning("could not send work %s to the broker (%s); the sweep will resend it",
                            item_id, type(exc).__name__)

    @property
    def storage(self) -> StorageBackend:
        return self.storage_backends[self.settings.storage_backend]


def get_state(app: Flask | None = None) -> CandorState:
    return (app or current_app).extensions["candor"]  # type: ignore[no-any-return]


def merge_named(
    pairs: Sequence[tuple[str, Mapping[str, Any]]], what: str
) -> dict[str, Any]:
    """Combine ``{name: object}`` results of several plugins, refusing a name offered twice."""
    from candor.plugins import PluginError

    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for plugin, mapping in pairs:
        for name, value in mapping.items():
            if name in merged:
                raise PluginError(f"Plugins {owner[name]!r} and {plugin!r} both offer the {what} {name!r}.")
            merged[name] = value
            owner[name] = plugin
    return merged
