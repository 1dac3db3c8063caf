"""Durable background work: the database holds each unit's state; Celery only carries wake-up calls.

``enqueue`` writes a ``WorkItem`` in the caller's transaction and sends its id to the broker after commit.
A worker claims the item, runs its handler and marks it done in one transaction. A sweep re-sends what the
broker lost or a dead worker left, so no broker failure or ``kill -9`` loses work.
"""

from candor.tasks.work import WorkContext, WorkState, enqueue

__all__ = ["WorkContext", "WorkState", "enqueue"]
