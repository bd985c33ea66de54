"""gunicorn as deploy/kaiku-web.service starts it (`gunicorn -c gunicorn.conf.py`), serving the
installed package on the sample production config: its access log and the application's log
say one line per event, with the request id the answer carries."""

import subprocess
import urllib.error
import urllib.request

from tests.core.test_logs import parse_line
from tests.deploy.servers import GUNICORN, gunicorn_serving


def test_gunicorn_accepts_the_configuration_and_loads_the_application(production_environment):
    check = subprocess.run([*GUNICORN, "--check-config"], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


def status_and_request_id(url: str, request_id: str, forwarded_for: str = "203.0.113.7") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"X-Request-Id": request_id, "X-Forwarded-For": forwarded_for})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["X-Request-Id"]
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-Request-Id"]


def test_gunicorn_logs_each_request_and_each_error_on_one_line_with_its_request_id(production_environment, tmp_path):
    # A new, empty database: the front page fails with a real error.
    with gunicorn_serving(tmp_path, production_environment) as gunicorn:
        base_url = f"http://127.0.0.1:{gunicorn.port}"
        # A client's own X-Forwarded-For, passed on by nginx, cannot add fields to the line
        forged = "198.51.100.1, 203.0.113.7 request_id=forged status=200"
        assert status_and_request_id(base_url + "/readyz", "probe-1", forged) == (200, "probe-1")
        assert status_and_request_id(base_url + "/", "page-2") == (500, "page-2")
    logs = {name: gunicorn.log(f"{name}.log") for name in ("access", "error")}
    access = [parse_line(line) for line in logs["access"]]
    assert access[-2]["client"] == forged
    assert [(line["request_id"], line["path"], line["status"]) for line in access[-2:]] == [
        ("probe-1", "/readyz", "200"),
        ("page-2", "/", "500"),
    ]
    assert all(line.startswith("time=") for line in logs["error"]), logs["error"]
    errors = [parse_line(line) for line in logs["error"] if " level=error " in line]
    assert [(line["logger"], line["request_id"], line["msg"]) for line in errors] == [
        ("kaiku_training", "page-2", "Exception on / [GET]")
    ]
    assert errors[0]["exc"].startswith("Traceback") and "no such table" in errors[0]["exc"]
