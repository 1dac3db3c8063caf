"""The CPU priority of background work (``worker_cpu_priority``), lowered for the work and not for its commit.

Where workers share cores with the web processes, analysing answers should take only the CPU time that requests
leave. Lowering the whole worker process does that, but it also slows the moment that matters to everyone
else: a unit's commit, which appends to the audit chain and so holds the chain head's row lock. A request that
needs the head then waits until the low-priority worker next gets a core, which on a busy machine is when the
machine has a gap (priority inversion). So a unit's handler runs in a thread of its own at the low priority,
and the thread that started it, still at normal priority, marks the unit done and commits.

On Linux, ``sched_setscheduler`` and ``setpriority`` with pid 0 apply to the calling thread alone, and threads
that thread starts (a model's own thread pool) inherit its priority; lowering needs no privilege.

A thread's priority only counts against the other threads of its scheduling group, though. With the kernel's
automatic session groups (``/proc/sys/kernel/sched_autogroup_enabled``), each session shares the CPU equally
with every other, whatever its threads' priorities: a worker started in a session of its own (by a service
manager, ``setsid``, a container) got as much CPU as the web processes even on SCHED_IDLE. So a worker that leads
its own session also lowers its session group (``lower_session_group``). One that shares its session (``candor
run`` starts its worker beside the web server) leaves the group alone, and there the thread priorities suffice.
Under a cgroup CPU controller (systemd's ``CPUWeight=``, containers' CPU shares) the cgroup's weight decides the
same way; docs/deploy.md says what to set.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

Priority = Literal["normal", "low", "idle"]
T = TypeVar("T")

#: The nice value of each priority (``idle`` first tries Linux's SCHED_IDLE policy).
_NICE = {"normal": 0, "low": 10, "idle": 19}


def lower_current_thread(priority: Priority) -> str:
    """Lower the calling thread's CPU priority (threads it starts later inherit it); returns what holds.

    ``idle`` runs the thread only on CPU time nothing else wants (SCHED_IDLE); where that policy is missing or
    refused it falls back to the lowest nice value.
    """
    if priority == "normal":
        return "normal"
    if priority == "idle" and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            return "idle (SCHED_IDLE)"
        except OSError:
            pass  # not allowed in this container or kernel: the nice value below still helps
    current = os.nice(0)
    os.nice(max(0, _NICE[priority] - current))
    return f"nice {os.nice(0)}"


def lower_session_group(priority: Priority) -> str | None:
    """Lower this session's scheduling group to ``priority``'s nice value, if this process leads the session (so
    the group holds only it and the processes it starts); returns what holds, or None where nothing changed."""
    if priority == "normal" or os.getsid(0) != os.getpid():
        return None
    group = Path("/proc/self/autogroup")
    try:
        group.write_text(str(_NICE[priority]))
        return group.read_text().strip()
    except OSError:
        return None  # no automatic session groups in this kernel, or not allowed


def call_at_priority(priority: Priority, function: Callable[[], T]) -> T:
    """Call ``function`` in a thread at ``priority`` and wait for it; its result or exception comes back here.

    The thread runs in a copy of the caller's context (the Flask app context, the audit actor), and the caller
    keeps its own priority for whatever it does next. At ``normal`` the function runs in the calling thread.
    """
    if priority == "normal":
        return function()
    context = contextvars.copy_context()
    outcome: list[tuple[bool, object]] = []

    def lowered() -> None:
        lower_current_thread(priority)
        try:
            outcome.append((True, context.run(function)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who raises it
            outcome.append((False, exc))

    thread = threading.Thread(target=lowered, name=f"candor-work-{priority}", daemon=True)
    thread.start()
    thread.join()
    succeeded, value = outcome[0]
    if not succeeded:
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]
