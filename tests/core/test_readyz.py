"""/readyz: ok only while the database answers, and soon; /healthz answers whatever the database does."""

import socket
import time

import pytest

from kaiku_training import create_app
from kaiku_training.core.views import READY_TIMEOUT_SECONDS
from tests.conftest import free_port


def app_on(database_url: str, app_settings: dict):
    return create_app({**app_settings, "DATABASE_URL": database_url})


def test_ready_says_ok_while_the_database_answers(client):
    response = client.get("/readyz")
    assert (response.status_code, response.text) == (200, "ok")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


@pytest.mark.expect_server_error
@pytest.mark.parametrize(
    "unreachable",
    [
        pytest.param(lambda tmp_path: f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'kaiku.sqlite'}", id="sqlite"),
        pytest.param(lambda _tmp_path: f"postgresql://kaiku@127.0.0.1:{free_port()}/kaiku", id="postgresql"),
    ],
)
def test_ready_says_unavailable_when_the_database_cannot_be_reached(app_settings, tmp_path, unreachable):
    client = app_on(unreachable(tmp_path), app_settings).test_client()
    response = client.get("/readyz")
    assert (response.status_code, response.text) == (503, "database: unavailable")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert client.get("/healthz").status_code == 200  # the process itself is fine


@pytest.mark.expect_server_error
def test_ready_gives_up_on_a_database_that_never_answers(app_settings):
    """A server that takes the connection and says nothing (a hung or firewalled database)."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        client = app_on(f"postgresql://kaiku@127.0.0.1:{port}/kaiku", app_settings).test_client()
        for _ in range(2):  # the second check waits behind the first, still hung, and gives up as soon
            started = time.monotonic()
            response = client.get("/readyz")
            assert time.monotonic() - started < READY_TIMEOUT_SECONDS + 1
            assert (response.status_code, response.text) == (
                503,
                f"database: no answer within {READY_TIMEOUT_SECONDS} s",
            )
