"""Fixtures: a real database (SQLite by default, PostgreSQL when KAIKU_TEST_DATABASE_URL is
set), a fresh set of tables per test, a real SMTP server on loopback, and sign-in helpers."""

import os
import re
import socket

import pytest
from flask import g
from flask_babel import refresh as refresh_babel
from sqlalchemy import create_engine, text

from kaiku_training import create_app
from kaiku_training.extensions import db
from tests.smtp import SmtpServer

pytest_plugins = ["tests.gate"]

TEST_DATABASE_URL = os.environ.get("KAIKU_TEST_DATABASE_URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory):
    """No developer's config.toml or KAIKU_* variable leaks into a test. KAIKU_TABLE_PREFIX stays:
    the models took their names from it on import, and the apps and processes the tests start
    must name the same tables."""
    saved = {
        key: os.environ.pop(key) for key in list(os.environ) if key.startswith("KAIKU_") and key != "KAIKU_TABLE_PREFIX"
    }
    empty_config = tmp_path_factory.mktemp("config") / "config.toml"
    empty_config.write_text("")
    os.environ["KAIKU_CONFIG"] = str(empty_config)
    yield
    os.environ.pop("KAIKU_CONFIG")
    os.environ.update(saved)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TEST_DATABASE_URL:
        reset_postgres_schema(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def smtp_port():
    return free_port()


@pytest.fixture
def smtp_server(smtp_port):
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


def test_settings(database_url, smtp_port, **extra) -> dict:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 5,
        "BASE_URL": "http://127.0.0.1:5000",
        "FEED_CACHE_SECONDS": 0,  # tests see every change at once; the caches have their own tests
        "REPORT_CACHE_SECONDS": 0,
        **extra,
    }


test_settings.__test__ = False  # a helper, not a test

_schema_ready: set[str] = set()


@pytest.fixture
def courses_dir(tmp_path):
    """An empty courses/ folder for the test to write course content into."""
    root = tmp_path / "courses"
    root.mkdir()
    return root


@pytest.fixture
def app_settings(database_url, smtp_port, courses_dir):
    """Extra settings a test wants: override this fixture or update the dict in a test."""
    return test_settings(database_url, smtp_port, COURSES_DIR=str(courses_dir))


def _forget_request_state():
    """Tests keep one app context open across requests (to use db.session between them), so
    `g` would carry the previous request's locale and user; production gets a new `g` per
    request. Start each test request as fresh as a real one (Flask-WTF keeps the CSRF token of
    the request's browser session in `g` too)."""
    refresh_babel()
    g.pop("_login_user", None)
    g.pop("csrf_token", None)  # Flask-WTF keeps the last page's token here, whoever's session it was


@pytest.fixture
def app(app_settings):
    app = create_app(app_settings)
    app.before_request(_forget_request_state)
    with app.app_context():
        if app_settings["DATABASE_URL"] not in _schema_ready:
            db.create_all()
            _schema_ready.add(app_settings["DATABASE_URL"])
        yield app
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    def __init__(self, client):
        self.client = client

    def sign_in(self, email, password="correct horse battery"):
        response = self.client.post("/sign-in", data={"email": email, "password": password})
        assert response.status_code == 302, "sign-in failed"
        return response

    def sign_out(self):
        return self.client.post("/sign-out")


@pytest.fixture
def auth(client):
    return Auth(client)


def link_in(body: str) -> str:
    """The first http link in an email body, as a path on this site."""
    match = re.search(r"http://127\.0\.0\.1:5000(\S+)", body)
    assert match, f"no link in: {body}"
    return match.group(1)
