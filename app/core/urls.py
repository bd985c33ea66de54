"""Links that leave the site: email and calendar links built from BASE_URL, and `next` kept on-site."""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter, MapAdapter

DATABASE_INT_MAX = 2**31 - 1  # the largest id or number an INTEGER column holds on PostgreSQL


class DatabaseIntConverter(IntegerConverter):
    """`<int:...>` in every route: a number no row can have is not found by the router, instead of
    overflowing the database's integer when it is looked up."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=DATABASE_INT_MAX, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def database_int(text: str) -> int:
    """`type=` for request.args.get: a number the database can hold, else ValueError (the default)."""
    number = int(text)
    if not -DATABASE_INT_MAX <= number <= DATABASE_INT_MAX:
        raise ValueError(f"{text} does not fit an INTEGER column")
    return number


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
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return fallback
    return target
