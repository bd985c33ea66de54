"""Logs: one line per event, in key=value form ("logfmt"), each carrying its request's id.

A line reads
    time=2026-03-02T09:15:04.120Z level=error logger=kaiku_training request_id=9f0c… msg="Unhandled error" exc="…\\n…"
Values with a space, a quote, an equals sign or a control character are quoted, and newlines,
tabs and other control characters inside them are escaped, so a traceback stays on its line
and `grep request_id=9f0c…` finds every line of one request, the access log's too.

Every request gets an id: the incoming X-Request-Id when it is a sane token (nginx sends its own
$request_id), else a new random one. It is returned in the X-Request-Id response header.
"""

import logging
import re
import secrets
import sys
from datetime import UTC, datetime

from flask import Flask, Response, has_request_context, request
from flask.logging import default_handler, has_level_handler

PACKAGE_LOGGER = __name__.split(".")[0]  # kaiku_training: the logger of every module of ours
REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID_KEY = "kaiku.request_id"  # in the WSGI environ: the id belongs to the request, not to `g`
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
NEEDS_QUOTES = re.compile(r'[\s"=\\\x00-\x1f\x7f]')
ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}
ESCAPES.update({code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F] if code not in ESCAPES})


def logfmt_value(value: object) -> str:
    """`value` as one token of a key=value line: quoted and escaped when it needs to be."""
    text = str(value)
    if text and not NEEDS_QUOTES.search(text):
        return text
    return '"' + text.translate(ESCAPES) + '"'


def logfmt_line(fields: dict[str, object]) -> str:
    """The fields as key=value pairs; a field that is None is left out."""
    return " ".join(f"{key}={logfmt_value(value)}" for key, value in fields.items() if value is not None)


def current_request_id() -> str | None:
    return request.environ.get(REQUEST_ID_KEY) if has_request_context() else None


class OneLineFormatter(logging.Formatter):
    """Each record as one key=value line; the request id is read while the record is formatted,
    which our stream handlers do in the thread that logged it."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {
            **self.head(record),
            "request_id": current_request_id(),
            "msg": record.getMessage(),
            "exc": self.formatException(record.exc_info) if record.exc_info else None,
            "stack": self.formatStack(record.stack_info) if record.stack_info else None,
        }
        return logfmt_line(fields)

    @staticmethod
    def head(record: logging.LogRecord) -> dict[str, object]:
        moment = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        return {"time": moment.replace("+00:00", "Z"), "level": record.levelname.lower(), "logger": record.name}


class AccessLineFormatter(OneLineFormatter):
    """gunicorn's access log: its access_log_format already writes key=value pairs (values
    quoted, quotes escaped), given the same time, level and logger as every other line."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{logfmt_line(self.head(record))} {record.getMessage()}"


def take_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    request.environ[REQUEST_ID_KEY] = incoming if SANE_REQUEST_ID.fullmatch(incoming) else secrets.token_hex(16)


def send_request_id(response: Response) -> Response:
    request_id = current_request_id()
    if request_id:
        response.headers.setdefault(REQUEST_ID_HEADER, request_id)
    return response


def log_to_stderr_unless_configured(production: bool) -> None:
    """Our package's logger writes one line per event to stderr, at INFO in production, unless
    something already receives its records: gunicorn's logging (deploy/gunicorn.conf.py), a
    host site's, or pytest's capture. Flask's own handler, if an earlier app added it, would
    print tracebacks over many lines, so it goes."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.removeHandler(default_handler)
    if production and logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    if not has_level_handler(logger):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(OneLineFormatter())
        logger.addHandler(handler)


def init_app(app: Flask) -> None:
    """Before every other hook, so that whatever they log carries the id."""
    app.before_request_funcs.setdefault(None, []).insert(0, take_request_id)  # before CSRF and the limiter
    app.after_request(send_request_id)
    log_to_stderr_unless_configured(app.config["ENV"] == "production")
