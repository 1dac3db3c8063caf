"""Alembic environment of the core history; the shared runner lives in ``candor.db.migrate``."""

from alembic import context

from candor.db.migrate import run_env

run_env(context)
