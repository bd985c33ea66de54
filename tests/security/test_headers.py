"""Every page of ours carries the security headers, the router's own 404 and 405 included,
and production tells browsers to keep to HTTPS."""

import pytest

from kaiku_training import create_app

SECURITY_HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Content-Security-Policy")


def headers_of(client, method: str, path: str, status: int) -> dict:
    response = client.open(path, method=method)
    assert response.status_code == status
    return response.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/no/such/page", 404),  # no route at all: the router answers
        ("DELETE", "/sign-in", 405),  # a route, but not this method
        ("GET", "/sign-out", 405),
    ],
)
def test_every_answer_carries_the_security_headers(client, method, path, status):
    headers = headers_of(client, method, path, status)
    for name in SECURITY_HEADERS:
        assert name in headers, (name, path)
    assert "Strict-Transport-Security" not in headers  # development is served over plain HTTP


def test_production_asks_browsers_to_keep_to_https(app, app_settings):  # `app`: the tables
    production = create_app(
        {**app_settings, "ENV": "production", "SECRET_KEY": "k" * 32, "RATELIMIT_SINGLE_PROCESS": True}
    )
    client = production.test_client()
    for method, path, status in (("GET", "/", 200), ("GET", "/no/such/page", 404), ("GET", "/healthz", 200)):
        assert headers_of(client, method, path, status)["Strict-Transport-Security"] == "max-age=31536000"
