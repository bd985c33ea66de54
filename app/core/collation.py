"""Names in the order and the case a Finn expects, on every database.

Finnish puts Å, Ä and Ö after Z as letters of their own; Ü sorts as Y, Æ as Ä and Ø as Ö
(as in CLDR's Finnish collation); other accented letters sort with their base letter. Every
list and report of people or areas sorts with `finnish_key` (in Python) or `finnish_order`
(in SQL), so that all of them agree.

SQLite's own lower() folds only A–Z; `register_sqlite_functions` gives it Python's, so that
case-insensitive matching with lower() holds for every letter there as on PostgreSQL.
"""

import sqlite3
import unicodedata

from sqlalchemy import func, text
from sqlalchemy.sql import ColumnElement

from ..extensions import db

# Letters beyond z, in the Finnish order, and letters that sort as another.
_AFTER_Z = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "õ": "}", "œ": "}"}
_SAME_AS = {"ü": "y", "ű": "y", "ß": "ss", "đ": "d", "ð": "d"}
SQLITE_COLLATION = "finnish"
POSTGRESQL_COLLATION = "fi-FI-x-icu"


def _primary_letter(char: str) -> str:
    if char in _AFTER_Z:
        return _AFTER_Z[char]
    if char in _SAME_AS:
        return _SAME_AS[char]
    return "".join(part for part in unicodedata.normalize("NFD", char) if not unicodedata.combining(part))


def finnish_key(text: str | None) -> tuple[str, str]:
    """A sort key: letters in the Finnish order, case and accents ignored first, then used to
    break ties so that the order is always the same."""
    folded = unicodedata.normalize("NFC", text or "").casefold()
    return "".join(_primary_letter(char) for char in folded), folded


def _compare(first: str, second: str) -> int:
    first_key, second_key = finnish_key(first), finnish_key(second)
    return (first_key > second_key) - (first_key < second_key)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    """Unicode lower() and the Finnish collation on a new SQLite connection."""
    connection.create_function("lower", 1, _lower, deterministic=True)
    connection.create_collation(SQLITE_COLLATION, _compare)


_postgresql_has_icu: dict[str, bool] = {}


def finnish_order(column) -> ColumnElement:
    """`column` for ORDER BY in the Finnish order: SQLite uses the collation registered above,
    PostgreSQL its ICU Finnish collation; a PostgreSQL built without ICU falls back to
    lower(), which still sorts Å, Ä and Ö after Z (though Ä before Å)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return column.collate(SQLITE_COLLATION)
    if dialect == "postgresql" and _has_icu_collation():
        return column.collate(POSTGRESQL_COLLATION)
    return func.lower(column)


def _has_icu_collation() -> bool:
    url = str(db.session.get_bind().engine.url)
    if url not in _postgresql_has_icu:
        _postgresql_has_icu[url] = bool(
            db.session.scalar(
                text("SELECT count(*) FROM pg_collation WHERE collname = :name"), {"name": POSTGRESQL_COLLATION}
            )
        )
    return _postgresql_has_icu[url]
