"""Plugins get personal data from the gate or not at all.

While a plugin's code runs (the core wraps each call in ``audit.acting_as("plugin:<name>")``), an ORM query
through a Candor session that would load a model with personal columns is refused and audited. This closes
the obvious side door (``get_state().db.session`` from inside an analyzer). Plugins run in the platform's
process, so a plugin determined to misbehave could still open its own database connection: the guard is a
boundary for honest mistakes and a tripwire for the rest, and the plugin review remains the operator's duty.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from candor.audit.access import is_personal
from candor.audit.context import current_context


class PluginDataAccessDenied(PermissionError):
    """A plugin tried to read personal data past the gate."""


@event.listens_for(Session, "do_orm_execute")
def _refuse_plugin_reads(execute_state: ORMExecuteState) -> None:
    actor = current_context().actor
    if not actor.startswith("plugin:"):
        return
    touched = [mapper.class_.__name__ for mapper in execute_state.all_mappers if is_personal(mapper.class_)]
    if touched:
        from candor import audit

        # A denied entry is durable: appended even if the plugin's session never commits. The session must
        # have begun a transaction for its end to append the entry, hence connection().
        audit.record(execute_state.session, "access.read", actor, outcome="denied",
                     details={"models": sorted(touched)[:5]})
        execute_state.session.connection()
        raise PluginDataAccessDenied(
            f"{actor} may not query {', '.join(sorted(touched))}: plugins receive personal data only through "
            "the inputs the core hands them after the purpose gate."
        )
