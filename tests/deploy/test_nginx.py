"""nginx with deploy/nginx.conf in front of gunicorn: static files from the package with a day's
cache, every other request to the application with the request id nginx gave it, and an upload
too large for the application answered by the application's own page."""

import os
import re
import urllib.error
import urllib.request

import pytest

from kaiku_training import PACKAGE_DIR
from tests.core.test_logs import parse_line
from tests.deploy.conftest import production_environment_in
from tests.deploy.servers import NGINX, SELF_SIGNED, gunicorn_serving, nginx_serving

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not on this machine (NGINX_BIN=path names one)")
MB = 1024 * 1024


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site as deployed: nginx in front of gunicorn, on the sample production config."""
    folder = tmp_path_factory.mktemp("site")
    (folder / "gunicorn").mkdir()
    (folder / "nginx").mkdir()
    environment = {**os.environ, **production_environment_in(folder)}
    with (
        gunicorn_serving(folder / "gunicorn", environment) as gunicorn,
        nginx_serving(folder / "nginx", gunicorn.port) as nginx,
    ):
        yield f"https://127.0.0.1:{nginx.port}", gunicorn, nginx


def fetch(url: str, data: bytes | None = None):
    request = urllib.request.Request(url, data=data, headers={"Host": "training.example.org"})
    try:
        with urllib.request.urlopen(request, timeout=30, context=SELF_SIGNED) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_static_files_come_from_the_package_and_are_kept_a_day(site):
    base_url, _gunicorn, _nginx = site
    status, headers, body = fetch(base_url + "/static/kaiku/css/site.css")
    assert status == 200 and body == (PACKAGE_DIR / "static" / "kaiku" / "css" / "site.css").read_bytes()
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert "X-Request-Id" not in headers  # nginx answered alone


def test_the_answer_and_both_access_logs_carry_the_request_id_nginx_gave(site):
    base_url, gunicorn, nginx = site
    status, headers, body = fetch(base_url + "/readyz")
    assert (status, body) == (200, b"ok")
    request_id = headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, not one the application made up
    in_gunicorn = gunicorn.log("access.log", until=lambda lines: request_id in "".join(lines))
    assert [parse_line(line)["path"] for line in in_gunicorn if f"request_id={request_id} " in line] == ["/readyz"]
    in_nginx = nginx.log("kaiku.access.log", until=lambda lines: request_id in "".join(lines))
    assert [line for line in in_nginx if f"request_id={request_id} " in line][0].count('"GET /readyz HTTP') == 1


def test_an_upload_too_large_for_the_application_gets_the_applications_own_page(site):
    base_url, _gunicorn, _nginx = site
    status, headers, _body = fetch(base_url + "/sign-in", data=b"x" * (25 * MB + 1))
    assert status == 413 and "Content-Security-Policy" in headers  # our error page, in the site's layout
    status, headers, body = fetch(base_url + "/sign-in", data=b"x" * (27 * MB))
    assert status == 413 and "Content-Security-Policy" not in headers and b"nginx" in body
