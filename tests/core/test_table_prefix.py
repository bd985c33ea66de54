"""A host that shares its database with us sets KAIKU_TABLE_PREFIX: every name we create there
carries it, beside the host's own `user` and `alembic_version` tables, which we leave alone.

The prefix is read when the models are imported, so each case runs in a fresh interpreter."""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, inspect, select

from kaiku_training import create_app
from kaiku_training.config import ConfigError
from kaiku_training.extensions import TABLE_PREFIX, db
from tests.conftest import TEST_DATABASE_URL, free_port, test_settings
from tests.core.test_migrations import empty_database_url  # noqa: F401  (a fixture)

PREFIX = "kaiku_"
ROOT = Path(__file__).parents[2]
PASSWORD = "correct horse battery"


def _environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """This interpreter's environment without any KAIKU_* setting, plus `variables`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("KAIKU_")}
    no_settings = tmp_path / "config.toml"
    no_settings.touch()
    return {**environment, "KAIKU_CONFIG": str(no_settings), **variables}


def _kaiku(tmp_path: Path, database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    """`flask --app kaiku_training ...` with the prefix, as a host's administrator runs it."""
    environment = _environment(
        tmp_path, KAIKU_TABLE_PREFIX=PREFIX, KAIKU_DATABASE_URL=database_url, KAIKU_SECRET_KEY="s" * 32
    )
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "kaiku_training", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _engine(database_url: str):
    return create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))


def _create_host_tables(database_url: str) -> None:
    """The host's own people and migrations, named as Flask-SQLAlchemy and Alembic name them."""
    host = MetaData(naming_convention={"ix": "ix_%(column_0_label)s", "pk": "pk_%(table_name)s"})
    users = Table(
        "user",
        host,
        Column("id", Integer, primary_key=True),
        Column("email", String(254), nullable=False, index=True),
    )
    versions = Table("alembic_version", host, Column("version_num", String(32), primary_key=True))
    engine = _engine(database_url)
    host.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(users).values(id=1, email="host.person@example.org"))
        connection.execute(insert(versions).values(version_num="host0001"))
    engine.dispose()


def _host_state(database_url: str) -> dict:
    engine = _engine(database_url)
    inspector = inspect(engine)
    with engine.connect() as connection:
        state = {
            "user columns": [column["name"] for column in inspector.get_columns("user")],
            "user indexes": [index["name"] for index in inspector.get_indexes("user")],
            "user primary key": inspector.get_pk_constraint("user")["name"],
            "user rows": connection.execute(select(Table("user", MetaData(), autoload_with=connection))).all(),
            "versions": connection.execute(
                select(Table("alembic_version", MetaData(), autoload_with=connection))
            ).all(),
        }
    engine.dispose()
    return state


def _object_names(database_url: str) -> dict[str, list[str | None]]:
    """Every table but the host's, with the names of its keys, constraints and indexes."""
    engine = _engine(database_url)
    inspector = inspect(engine)
    names = {
        table: [
            inspector.get_pk_constraint(table)["name"],
            *(key["name"] for key in inspector.get_foreign_keys(table)),
            *(unique["name"] for unique in inspector.get_unique_constraints(table)),
            *(check["name"] for check in inspector.get_check_constraints(table)),
            *(index["name"] for index in inspector.get_indexes(table)),
        ]
        for table in inspector.get_table_names()
        if table not in {"user", "alembic_version"}
    }
    engine.dispose()
    return names


def _unprefixed_sequences(database_url: str) -> set[str]:
    """PostgreSQL's sequences behind the id columns, ours and the host's (SQLite has none)."""
    engine = _engine(database_url)
    names = set(inspect(engine).get_sequence_names()) if engine.dialect.supports_sequences else set()
    engine.dispose()
    return {name for name in names if not name.startswith(PREFIX)}


@pytest.fixture
def upgraded_beside_a_host(empty_database_url, tmp_path):  # noqa: F811  (the fixture imported above)
    """An empty database with the host's tables in it, upgraded by `flask db upgrade` with the prefix."""
    _create_host_tables(empty_database_url)
    host_before = _host_state(empty_database_url)
    upgrade = _kaiku(tmp_path, empty_database_url, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    return empty_database_url, host_before


def _model_tables(smtp_port) -> list[str]:
    """Our tables' names without a prefix (this interpreter's own, if the suite runs with one)."""
    create_app(test_settings("sqlite://", smtp_port))  # imports every model
    return [table.removeprefix(TABLE_PREFIX) for table in db.metadata.tables]


def test_a_prefixed_upgrade_beside_a_host_creates_only_prefixed_names_and_leaves_the_host_tables_alone(
    upgraded_beside_a_host, smtp_port
):
    database_url, host_before = upgraded_beside_a_host
    names = _object_names(database_url)
    assert set(names) == {PREFIX + table for table in [*_model_tables(smtp_port), "alembic_version"]}
    unprefixed = {name for table_names in names.values() for name in table_names if not str(name).startswith(PREFIX)}
    assert unprefixed == set()
    assert sum(len(table_names) for table_names in names.values()) > 100  # keys, constraints and indexes too
    assert _unprefixed_sequences(database_url) <= {"user_id_seq"}  # the host's
    assert _host_state(database_url) == host_before


@contextmanager
def _served(tmp_path: Path, database_url: str):
    """`flask run` on a free port of 127.0.0.1 with the prefix; yields the site's address."""
    port = free_port()
    environment = _environment(
        tmp_path,
        KAIKU_TABLE_PREFIX=PREFIX,
        KAIKU_DATABASE_URL=database_url,
        KAIKU_SECRET_KEY="s" * 32,
        KAIKU_BASE_URL=f"http://127.0.0.1:{port}",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "kaiku_training", "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        _wait_until_it_answers(address, server)
        yield address
    finally:
        server.terminate()
        server.communicate(timeout=10)


def _wait_until_it_answers(address: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()[1]
        try:
            with urllib.request.urlopen(f"{address}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{address} did not answer")


def _sign_in(browser, address: str, email: str) -> None:
    with browser.open(f"{address}/sign-in") as response:
        form = response.read().decode()
    [token] = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    with browser.open(f"{address}/sign-in", data=body) as response:
        assert response.url.rstrip("/") == address, "sign-in did not lead to the home page"


def test_with_a_prefix_beside_a_host_an_admin_signs_in_and_sees_our_people_only(upgraded_beside_a_host, tmp_path):
    database_url, _host_before = upgraded_beside_a_host
    create = _kaiku(
        tmp_path,
        database_url,
        *("users", "create", "--email", "admin@example.org", "--name", "Anna Ylläpitäjä"),
        *("--role", "admin", "--password", PASSWORD),
    )
    assert create.returncode == 0, create.stderr
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with _served(tmp_path, database_url) as address:
        _sign_in(browser, address, "admin@example.org")
        with browser.open(f"{address}/manage/people") as response:
            people = response.read().decode()
    assert "Anna Ylläpitäjä" in people
    assert "host.person@example.org" not in people  # the host's user table is not ours


@pytest.mark.usefixtures("empty_database_url")  # PostgreSQL: the schema the rest of the suite expects, after
def test_the_migrations_give_the_models_schema_with_a_table_prefix(tmp_path):
    """tests/core/test_migrations.py again, in an interpreter that imported the models with the prefix."""
    variables = {"KAIKU_TABLE_PREFIX": PREFIX}
    if TEST_DATABASE_URL:
        variables["KAIKU_TEST_DATABASE_URL"] = TEST_DATABASE_URL
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/core/test_migrations.py"],
        cwd=ROOT,
        env=_environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout


def test_a_table_prefix_in_the_settings_file_unlike_the_environment_stops_the_app_saying_what_to_set(
    tmp_path, monkeypatch, smtp_port
):
    settings_file = tmp_path / "config.toml"
    settings_file.write_text('table_prefix = "shared_"\n')
    monkeypatch.setenv("KAIKU_CONFIG", str(settings_file))
    monkeypatch.delenv("KAIKU_TABLE_PREFIX", raising=False)  # set, it would win over the file
    with pytest.raises(ConfigError, match="set KAIKU_TABLE_PREFIX to 'shared_' in the environment"):
        create_app(test_settings(f"sqlite:///{tmp_path / 'kaiku.sqlite'}", smtp_port))


@pytest.mark.parametrize("prefix", ["Kaiku_", "kaiku", "1kaiku_", "kaiku-", "a_very_long_prefix_"])
def test_a_table_prefix_that_would_make_bad_names_is_refused_when_the_package_is_imported(prefix, tmp_path):
    run = subprocess.run(
        [sys.executable, "-c", "import kaiku_training"],
        env=_environment(tmp_path, KAIKU_TABLE_PREFIX=prefix),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
    assert f"KAIKU_TABLE_PREFIX={prefix!r}: use lowercase letters, digits and underscores" in run.stderr
