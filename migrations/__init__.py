"""The core's Alembic migration history (the package is installed as ``candor_migrations``)."""
