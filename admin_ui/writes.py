"""Pages that write (a decision, a new user, or only their audit entries) take SQLite's write lock first.

On SQLite a transaction that read and then writes fails at once with "database is locked" when another
process (a worker) committed in between: the read snapshot cannot be upgraded. Starting the request's
transaction with ``BEGIN IMMEDIATE`` makes it wait for the lock instead, as ``Database.transaction(immediate=True)``
does for services. Other databases need nothing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from candor.state import get_state


def writing_session() -> Session:
    """The request's session, in a fresh transaction that holds the write lock on SQLite."""
    db = get_state().db
    session = db.session
    session.commit()  # ends the read snapshot that identifying the caller opened
    if db.is_sqlite:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    return session
