"""Migration histories: the core's in ``migrations/`` and one per plugin that owns tables, each with its own
Alembic version table, all run by ``candor db upgrade``. Also the model-versus-migration comparison that
``candor db check`` and the test suite use."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData

import candor_migrations

if TYPE_CHECKING:
    from candor.state import CandorState

CORE = "core"


@dataclass(frozen=True)
class History:
    name: str
    script_location: Path
    version_table: str
    metadata: MetaData
    owns: Callable[[str], bool]


def histories(state: CandorState) -> list[History]:
    import candor.models  # noqa: F401  (fills Base.metadata)
    from candor.db import Base

    plugin_tables: set[str] = set()
    plugin_histories: list[History] = []
    for info in state.plugins.enabled():
        declaration = info.declaration
        if declaration is None or declaration.metadata is None or declaration.migrations is None:
            continue
        tables = set(declaration.metadata.tables)
        plugin_tables |= tables
        prefix = f"{declaration.name}_"
        plugin_histories.append(History(
            name=declaration.name,
            script_location=Path(declaration.migrations),
            version_table=f"alembic_version_{declaration.name}",
            metadata=declaration.metadata,
            owns=lambda table, tables=tables, prefix=prefix: table in tables or table.startswith(prefix),
        ))
    core_tables = set(Base.metadata.tables)
    core = History(
        name=CORE,
        script_location=Path(candor_migrations.__file__).parent,
        version_table="alembic_version",
        metadata=Base.metadata,
        owns=lambda table: table in core_tables or (
            table not in plugin_tables and not table.startswith("alembic_version")
            and not any(h.owns(table) for h in plugin_histories)
        ),
    )
    return [core, *plugin_histories]


def alembic_config(history: History, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(history.script_location))
    config.attributes.update(connection=connection, history=history)
    return config


@contextmanager
def _connection(state: CandorState) -> Iterator[Connection]:
    with state.db.engine.connect() as connection:
        yield connection


def upgrade(state: CandorState, revision: str = "heads") -> list[str]:
    """Bring every history to ``revision``; returns the names of histories that were upgraded.

    ``heads`` rather than ``head``: features developed side by side may branch a history for a while.
    """
    upgraded = []
    for history in histories(state):
        with _connection(state) as connection:
            before = _current(connection, history)
            command.upgrade(alembic_config(history, connection), revision)
            connection.commit()
            if _current(connection, history) != before:
                upgraded.append(history.name)
    return upgraded


def _current(connection: Connection, history: History) -> frozenset[str]:
    context = MigrationContext.configure(connection, opts={"version_table": history.version_table})
    return frozenset(context.get_current_heads())


def pending_histories(state: CandorState) -> list[str]:
    pending = []
    with _connection(state) as connection:
        for history in histories(state):
            heads = frozenset(ScriptDirectory.from_config(alembic_config(history)).get_heads())
            if _current(connection, history) != heads:
                pending.append(history.name)
    return pending


def differences(state: CandorState) -> dict[str, list[Any]]:
    """What each history's models have that its migrations did not create (empty lists when in step)."""
    found: dict[str, list[Any]] = {}
    with _connection(state) as connection:
        for history in histories(state):
            context = MigrationContext.configure(connection, opts={
                "compare_type": True,
                "include_object": _include_object(history),
                "version_table": history.version_table,
            })
            found[history.name] = compare_metadata(context, history.metadata)
    return found


#: Tables a migration creates that no model describes: PostgreSQL's audit staging, written and emptied by the
#: audit chain's trigger within each transaction (``0017_audit_staging``).
UNMODELLED_TABLES = frozenset({"audit_staging"})


def _include_object(history: History) -> Callable[..., bool]:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table":
            return name is not None and name not in UNMODELLED_TABLES and history.owns(name)
        table = getattr(obj, "table", None)
        return table is None or (table.name not in UNMODELLED_TABLES and history.owns(table.name))

    return include


def run_env(context: Any) -> None:
    """The body of every history's ``env.py``: migrate on the connection and version table we were given."""
    history: History = context.config.attributes["history"]
    connection: Connection | None = context.config.attributes.get("connection")
    options = {
        "target_metadata": history.metadata,
        "version_table": history.version_table,
        "include_object": _include_object(history),
        "compare_type": True,
        "render_as_batch": True,  # SQLite alters tables by copying them; batch mode does that
    }
    if connection is None:
        raise RuntimeError("Run migrations through 'candor db upgrade', which supplies the connection.")
    context.configure(connection=connection, **options)
    with context.begin_transaction():
        context.run_migrations()


def revision(state: CandorState, message: str, history_name: str = CORE) -> None:
    """Write a new revision for a history by comparing its models with the upgraded database."""
    history = next((h for h in histories(state) if h.name == history_name), None)
    if history is None:
        raise LookupError(f"No migration history {history_name!r}; plugins with tables have one each.")
    with _connection(state) as connection:
        command.revision(alembic_config(history, connection), message=message, autogenerate=True)
