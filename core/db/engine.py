"""Engine and session factory, tuned per database so that several processes can share it safely."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import Session, scoped_session, sessionmaker


class Database:
    """One engine and a scoped session per thread (request, task, command)."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.session = scoped_session(self.session_factory)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[Session]:
        """A fresh session committed at the end of the block, rolled back on error.

        :param immediate: on SQLite, take the write lock at the start. Use it for a short transaction that
            reads and then writes: SQLite cannot upgrade a read snapshot that another process's commit made
            stale and fails at once with "database is locked"; taking the lock first makes it wait instead.
        """
        session = self.session_factory()
        try:
            with session.begin():
                if immediate and self.is_sqlite:
                    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
                yield session
        finally:
            session.close()

    def lock_for_write(self, session: Session) -> None:
        """On SQLite, begin ``session``'s transaction with the write lock, before it reads anything.

        Call it first thing in a transaction that reads and then writes while other processes write too (a
        request changing data, the last step of a unit of work): the transaction then waits for its turn instead
        of failing with "database is locked" when another process commits between its first read and its first
        write. Other databases need nothing: their transactions upgrade. Does nothing once the session is in use.
        """
        if not self.is_sqlite:
            return
        with warnings.catch_warnings():  # a session already reading warns that the options come too late
            warnings.simplefilter("ignore", SAWarning)
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})

    def remove_session(self, _exc: BaseException | None = None) -> None:
        self.session.remove()

    def dispose(self) -> None:
        self.session.remove()
        self.engine.dispose()


def make_engine(url: str, *, pool_size: int | None = None, **options: Any) -> Engine:
    """An engine for ``url``; ``pool_size`` is the connections kept open to a database server (SQLite has none)."""
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
        options.setdefault("hide_parameters", True)  # statement parameters can be personal data
        engine = create_engine(url, **options)
        _configure_sqlite(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("hide_parameters", True)  # statement parameters can be personal data
    if pool_size is not None:
        options.setdefault("pool_size", pool_size)
    return create_engine(url, **options)


def _configure_sqlite(engine: Engine) -> None:
    """WAL so readers and the writer of several processes don't block each other; real transactions.

    pysqlite opens transactions lazily and in its own way; SQLAlchemy's documented recipe hands that back to
    SQLAlchemy so ``BEGIN`` happens when a session starts and locks behave as on other databases.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())
