"""Logs: every request has an id, sent back in X-Request-Id and written on each of its log
lines; each event is one key=value line, a traceback included."""

import re
import subprocess
import sys
import textwrap

import pytest

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)(?: |$)')
ESCAPED = re.compile(r"\\(x[0-9a-f]{2}|.)")
UNESCAPED = {"n": "\n", "r": "\r", "t": "\t"}


def parse_line(line: str) -> dict[str, str]:
    """A key=value line back into its fields, unquoted and unescaped."""
    fields = {}
    for key, value in FIELD.findall(line):
        if value.startswith('"'):
            value = ESCAPED.sub(
                lambda m: chr(int(m[1][1:], 16)) if m[1][0] == "x" else UNESCAPED.get(m[1], m[1]), value[1:-1]
            )
        fields[key] = value
    return fields


def test_each_answer_carries_a_new_request_id(client):
    first, second = client.get("/healthz").headers["X-Request-Id"], client.get("/healthz").headers["X-Request-Id"]
    assert REQUEST_ID.fullmatch(first) and REQUEST_ID.fullmatch(second) and first != second


def test_a_sane_incoming_request_id_is_kept_and_any_other_replaced(client):
    assert client.get("/", headers={"X-Request-Id": "nginx-7f3a.1"}).headers["X-Request-Id"] == "nginx-7f3a.1"
    for hostile in ("two words", "x" * 129, 'quote"d', "line\\nbreak", "ä"):
        assert REQUEST_ID.fullmatch(client.get("/", headers={"X-Request-Id": hostile}).headers["X-Request-Id"])


# The application on its own, as `flask worker` or a bare WSGI server runs it: nobody else has
# set up logging. Its database has no tables, so the front page fails with a real error.
SERVE_ONE_FAILING_REQUEST = textwrap.dedent(
    """
    import sys
    from kaiku_training import create_app

    app = create_app({"ENV": "production", "SECRET_KEY": "k" * 32, "RATELIMIT_SINGLE_PROCESS": True,
                      "DATABASE_URL": sys.argv[1]})
    response = app.test_client().get("/", headers={"X-Request-Id": "req-2718"})
    print(response.status_code, response.headers["X-Request-Id"])
    """
)


def test_an_error_is_logged_on_one_line_with_its_request_id_and_its_whole_traceback(tmp_path):
    database = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    run = subprocess.run(
        [sys.executable, "-c", SERVE_ONE_FAILING_REQUEST, database], capture_output=True, text=True, timeout=60
    )
    assert run.stdout.split() == ["500", "req-2718"]
    lines = run.stderr.splitlines()
    assert lines and all(line.startswith("time=") for line in lines), run.stderr
    errors = [line for line in lines if " level=error " in line]
    assert len(errors) == 1, run.stderr  # one event, one line
    error = parse_line(errors[0])
    assert error["level"] == "error" and error["logger"] == "kaiku_training" and error["request_id"] == "req-2718"
    assert error["msg"] == "Exception on / [GET]"
    assert error["exc"].startswith("Traceback (most recent call last):\n")
    assert "no such table" in error["exc"] and error["exc"].count("\n") > 10


@pytest.mark.expect_server_error
def test_pytests_log_capture_still_sees_the_applications_records(app, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page, and the error logged
    app.add_url_rule("/fails", "fails", lambda: 1 / 0)
    assert app.test_client().get("/fails").status_code == 500
    logged = [(record.getMessage(), record.exc_info[0]) for record in caplog.records if record.name == "kaiku_training"]
    assert logged == [("Exception on /fails [GET]", ZeroDivisionError)]
