"""How every SQLite connection is set up (PostgreSQL needs none of it)."""

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .collation import register_sqlite_functions


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite enforces foreign keys only when asked; WAL lets readers run beside a writer;
    lower() and the Finnish collation must know every letter, not only A–Z."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
        register_sqlite_functions(dbapi_connection)
