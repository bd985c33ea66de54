"""Extensions, created once here and bound to an application in init_app()."""

import os
import re
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Constraint, ForeignKeyConstraint, Index, MetaData, Table
from sqlalchemy.orm import DeclarativeBase

from .config import ConfigError

# A host sharing its database with us sets a prefix for every name we create there: tables,
# indexes, constraints and the migrations' version table. Models fix their tables' names when
# they are imported, before any settings file is read, so the prefix comes from the environment
# and is read once, here; the app refuses at start a TABLE_PREFIX setting that says otherwise.
TABLE_PREFIX_VARIABLE = "KAIKU_TABLE_PREFIX"
# PostgreSQL cuts names at 63 characters; our longest without the prefix has 48.
TABLE_PREFIX_PATTERN = re.compile(r"([a-z][a-z0-9_]{0,13}_)?")


def _table_prefix(value: str) -> str:
    if not TABLE_PREFIX_PATTERN.fullmatch(value):
        raise ConfigError(
            f"{TABLE_PREFIX_VARIABLE}={value!r}: use lowercase letters, digits and underscores, starting with a "
            "letter and ending in an underscore, at most 15 characters (e.g. kaiku_), or leave it empty."
        )
    return value


TABLE_PREFIX = _table_prefix(os.environ.get(TABLE_PREFIX_VARIABLE, ""))


def prefixed(name: str) -> str:
    """The name of one of our database objects (a table, "table.column", an index, a constraint)
    as the database has it. Models write ForeignKey(prefixed("user.id")) and Index(prefixed(...)),
    migrations every name and raw SQL its tables: SQLAlchemy has no public way to change a
    foreign key's target after the fact, and the names in plain sight are easy to check."""
    return TABLE_PREFIX + name


def _unprefixed_table(_constraint: Constraint | Index, table: Table) -> str:
    return table.name.removeprefix(TABLE_PREFIX)


def _unprefixed_referred_table(constraint: ForeignKeyConstraint, _table: Table) -> str:
    table_name, _column = constraint.elements[0].target_fullname.rsplit(".", 1)
    return table_name.removeprefix(TABLE_PREFIX)


# Named constraints so that migrations can alter them on SQLite and PostgreSQL alike. Each name
# starts with the prefix once and names the tables without it: with no prefix they are the names
# the migrations always gave (ix_user_area_id), with one they are kaiku_ix_user_area_id.
NAMING_CONVENTION: dict[str, Any] = {
    "table": _unprefixed_table,
    "referred_table": _unprefixed_referred_table,
    "ix": TABLE_PREFIX + "ix_%(table)s_%(column_0_name)s",
    "uq": TABLE_PREFIX + "uq_%(table)s_%(column_0_name)s",
    "ck": TABLE_PREFIX + "ck_%(table)s_%(constraint_name)s",
    "fk": TABLE_PREFIX + "fk_%(table)s_%(column_0_name)s_%(referred_table)s",
    "pk": TABLE_PREFIX + "pk_%(table)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    # __tablename__ stays the model's own name (the audit log names subjects by it); the table
    # gets the prefix. Flask-SQLAlchemy copies this class's body into db.Model, hence no super();
    # it replaces Flask-SQLAlchemy's own, which serves single-table inheritance (no model uses it).
    @classmethod
    def __table_cls__(cls, name: str, metadata: MetaData, *args: Any, **kwargs: Any) -> Table:
        return Table(prefixed(name), metadata, *args, **kwargs)


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy, refusing to serve tables named with another prefix than the settings'."""

    def init_app(self, app: Flask) -> None:
        setting = app.config.get("TABLE_PREFIX", TABLE_PREFIX)
        if setting != TABLE_PREFIX:
            raise ConfigError(
                f"The setting table_prefix is {setting!r} but the tables were named with {TABLE_PREFIX!r}: "
                f"set {TABLE_PREFIX_VARIABLE} to {setting!r} in the environment of every process that runs Kaiku "
                "Training (web server, worker, flask db upgrade); the tables' names are fixed when they are imported."
            )
        super().init_app(app)


db = _SQLAlchemy(model_class=Base)
# The base of the models: db.Model, made at run time; the type checker knows it as Base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
