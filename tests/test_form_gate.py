"""Every form the app offers is submitted successfully by some test (see tests/gate.py)."""

import pytest

from tests.gate import submitted_endpoints, whole_suite_ran


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}


def test_every_post_endpoint_is_submitted_successfully(app):
    if not whole_suite_ran():
        pytest.skip("the form gate needs the whole suite")
    never = sorted(post_endpoints(app) - submitted_endpoints())
    assert not never, f"no test submits these endpoints successfully: {', '.join(never)}"
