"""Who is acting and why, for entries recorded without naming them: context variables set by the request
layer (from the signed-in identity), by the worker (``system:work:<kind>``) and by commands.

Owns the actor vocabulary: ``user:N``, ``token:N``, ``plugin:<name>``, ``system:<what>`` and ``anonymous``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

ACTOR_PATTERN = re.compile(
    r"^(anonymous|(user|token):\d+|plugin:[a-z][a-z0-9_]{0,39}|system:[a-z0-9_.:-]{1,80})$")
DEFAULT_PURPOSE = "unspecified"


@dataclass(frozen=True)
class AuditContext:
    actor: str
    purpose: str = DEFAULT_PURPOSE
    via: str = ""  # the request endpoint or unit of work that caused the entry (never a URL with a query)


_current: ContextVar[AuditContext | None] = ContextVar("candor_audit_context", default=None)


def current_context() -> AuditContext:
    """The acting context, or ``system:unattributed`` where nothing set one (a script, a shell)."""
    return _current.get() or AuditContext(actor="system:unattributed")


def set_context(context: AuditContext | None) -> object:
    """Set the context; returns a token for ``reset_context``."""
    return _current.set(context)


def reset_context(token: object) -> None:
    try:
        _current.reset(token)  # type: ignore[arg-type]
    except ValueError:  # set in another context (e.g. another thread's request); just clear ours
        _current.set(None)


@contextmanager
def acting_as(actor: str, *, purpose: str | None = None, via: str = "") -> Iterator[AuditContext]:
    """Attribute entries recorded inside the block to ``actor`` (e.g. ``system:work:mail.send``)."""
    check_actor(actor)
    outer = _current.get()
    context = AuditContext(actor=actor, purpose=purpose or (outer.purpose if outer else DEFAULT_PURPOSE),
                           via=via or (outer.via if outer else ""))
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


@contextmanager
def for_purpose(purpose: str) -> Iterator[None]:
    """Record entries inside the block (including automatic access entries) under ``purpose``."""
    outer = current_context()
    token = _current.set(AuditContext(actor=outer.actor, purpose=purpose, via=outer.via))
    try:
        yield
    finally:
        _current.reset(token)


def check_actor(actor: str) -> str:
    if not ACTOR_PATTERN.match(actor):
        raise ValueError(
            f"Audit actor {actor!r} is not one of user:N, token:N, plugin:<name>, system:<what> or "
            "anonymous; actors are ids, never names or e-mail addresses.")
    return actor
