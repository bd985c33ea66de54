"""Links that leave the site: email and calendar links built from BASE_URL, and `next` kept on-site."""
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def _external_adapter() -> MapAdapter:
    """A URL builder bound to BASE_URL, made once per app (feeds build many links per request)."""
    base_url = current_app.config["BASE_URL"]
    cached = current_app.extensions.get("kaiku_url_adapter")
    if cached is None or cached[0] != base_url:
        parts = urlsplit(base_url)
        adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
        cached = current_app.extensions["kaiku_url_adapter"] = (base_url, adapter)
    return cached[1]


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for emails and calendars, built from BASE_URL rather than from the
    request's Host header (which a client controls), and usable outside a request."""
    return _external_adapter().build(endpoint, values, force_external=True)


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
