"""The retention tests use the world of the data-subject request tests."""

from dsar.conftest import app, hr_server, mailbox, make_world, state  # noqa: F401
