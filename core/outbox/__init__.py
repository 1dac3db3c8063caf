"""The transactional outbox: events for HR systems written with the change that causes them and delivered by
the task queue with retries, backoff, per-candidate ordering, the purpose gate and dead letters.

``emit`` (in ``emit``) is the API; ``delivery`` owns the rules of a delivery; ``models`` the tables;
``connectors`` finds the connectors; ``crossborder`` asks the gate; ``views`` and ``checks`` the admin side.
"""

from candor.outbox.emit import DELIVER_KIND, OutboxError, emit
from candor.outbox.models import EventType, OutboxEvent, OutboxState

__all__ = ["DELIVER_KIND", "EventType", "OutboxError", "OutboxEvent", "OutboxState", "emit"]
