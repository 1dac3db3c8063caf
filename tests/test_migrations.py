"""The schema comes from the migrations, and the migrations match the models."""

from __future__ import annotations

from sqlalchemy import inspect

from candor.db import migrate
from candor.state import get_state


def test_models_and_migrations_agree(candor_app):
    differences = migrate.differences(get_state(candor_app))
    assert differences["core"] == [], f"write a migration for: {differences['core']}"
    assert all(not diffs for diffs in differences.values()), differences


def test_nothing_is_pending_after_upgrade(candor_app):
    assert migrate.pending_histories(get_state(candor_app)) == []


def test_upgrade_builds_the_schema_from_nothing(candor_settings, tmp_path):
    from candor.app import create_app

    app = create_app({**candor_settings, "database_url": f"sqlite:///{tmp_path / 'fresh.db'}"})
    state = get_state(app)
    assert migrate.pending_histories(state) == ["core"]
    assert migrate.upgrade(state) == ["core"]
    assert migrate.upgrade(state) == []  # idempotent
    tables = set(inspect(state.db.engine).get_table_names())
    assert {"organizations", "users", "api_tokens", "jobs", "candidates", "interviews", "questions", "answers",
            "analyses", "work_items", "alembic_version"} <= tables
    state.db.dispose()


def test_db_check_command(candor_cli):
    result = candor_cli("db", "check")
    assert result.exit_code == 0, result.output
    assert "Models and migrations agree." in result.output
