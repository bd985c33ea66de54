"""The form gate, a pytest plugin: every endpoint that accepts POST must be submitted
successfully (2xx or 3xx) by some test, and no test may get a 5xx it did not ask for.

Requests are seen through Flask's `request_finished` signal, so test-client requests and those
a browser makes to a served app count alike. The endpoint check runs only when the whole suite
runs (nothing deselected, no paths given): a part of the suite cannot cover every form.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from flask import request, request_finished

GATE_TEST = "test_every_post_endpoint_is_submitted_successfully"

_lock = threading.Lock()
_submitted: set[str] = set()
_server_errors: list[str] = []
_state = {"whole_suite": True, "counting_submissions": True}


def _seen(sender, response, **_extra) -> None:
    rule = request.url_rule
    endpoint = rule.endpoint if rule is not None else None
    with _lock:
        if request.method == "POST" and endpoint and response.status_code < 400 and _state["counting_submissions"]:
            _submitted.add(endpoint)
        if response.status_code >= 500:
            _server_errors.append(f"{request.method} {request.path} -> {response.status_code}")


@contextmanager
def submissions_not_counted():
    """For requests that probe who gets past the access checks (an empty POST answered by its
    form's errors proves nothing about the form): server errors still count."""
    _state["counting_submissions"] = False
    try:
        yield
    finally:
        _state["counting_submissions"] = True


def submitted_endpoints() -> set[str]:
    with _lock:
        return set(_submitted)


def whole_suite_ran() -> bool:
    return _state["whole_suite"]


def pytest_configure(config) -> None:
    request_finished.connect(_seen)
    given = [arg for arg in config.args if arg not in ("tests", "tests/", str(config.rootpath / "tests"))]
    if given or config.option.keyword or config.option.markexpr or getattr(config.option, "lf", False):
        _state["whole_suite"] = False


def pytest_deselected(items) -> None:
    if items:
        _state["whole_suite"] = False


def pytest_collection_modifyitems(session, config, items) -> None:
    """The gate test runs last, after every other test has made its requests."""
    gate = [item for item in items if item.name == GATE_TEST]
    items[:] = [item for item in items if item.name != GATE_TEST] + gate


@pytest.fixture(autouse=True)
def _no_unexpected_server_error(request):
    with _lock:
        _server_errors.clear()
    yield
    with _lock:
        errors = list(_server_errors)
    if errors and request.node.get_closest_marker("expect_server_error") is None:
        pytest.fail("server error(s) the test did not expect: " + "; ".join(errors), pytrace=False)
