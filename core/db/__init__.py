"""The database: declarative base, engine and sessions for the web app, the workers and the command line.

Owns connection set-up (SQLite pragmas for several processes sharing one file, PostgreSQL otherwise) and the
session that lives for one request, one unit of work or one command. Models live with their features
(``candor.<feature>.models``); this package imports none of them.
"""

from __future__ import annotations

from candor.db.base import Base, utcnow
from candor.db.engine import Database

__all__ = ["Base", "Database", "utcnow"]
