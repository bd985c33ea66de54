"""Links that leave the site: email links built from BASE_URL, and `next` kept on-site."""
from urllib.parse import urlsplit

from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for emails and calendars, built from BASE_URL rather than from the
    request's Host header (which a client controls), and usable outside a request."""
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def safe_next(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site, else `fallback`: never an open redirect."""
    if not target:
        return fallback
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme or parts.netloc or not target.startswith("/")
        or target.startswith("//") or "\\" in target or any(ord(ch) < 32 for ch in target)
    ):
        return fallback
    return target
