"""Static files, the text-size choice, health and readiness checks, and what every page of ours gets:
the layout's context, security headers and paths and parameters without NUL."""

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as NoAnswerInTime

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_babel import get_locale
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.wrappers import Response

from .. import PACKAGE_DIR
from ..extensions import db
from .access import anyone, guard
from .i18n import LANGUAGE_NAMES
from .urls import safe_next

blueprint = Blueprint(
    "core",
    __name__,
    static_folder=str(PACKAGE_DIR / "static"),
    static_url_path="/static",
    template_folder=str(PACKAGE_DIR / "templates"),
)
guard(blueprint, anyone)  # the home page, choices, static files: for everyone

TEXT_SIZE_COOKIE = "kaiku_text_size"
TEXT_SIZES = ("100", "125", "150")
ONE_YEAR = 365 * 24 * 3600
HOME = "dashboard.home"  # the endpoint of the site's front page, where choices return by default


@blueprint.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says; give them the site icon."""
    return redirect(url_for("core.static", filename="kaiku/favicon.svg"), 301)


PROBE_HEADERS = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@blueprint.route("/healthz")
def health() -> tuple[str, int, dict[str, str]]:
    """For load balancers and uptime checks; also the trivial route benchmarks compare against."""
    return "ok", 200, PROBE_HEADERS


READY_TIMEOUT_SECONDS = 2
# One thread asks the database for every check of this process: a database that never answers
# holds that one thread, and the checks behind it time out, rather than each leaving a thread.
_database_probe = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaiku-readyz")


@blueprint.route("/readyz")
def ready() -> tuple[str, int, dict[str, str]]:
    """For the load balancer and monitoring: 200 only when the database answers, and soon."""
    answer = _database_probe.submit(_select_one, db.engine)
    try:
        answer.result(timeout=READY_TIMEOUT_SECONDS)
    except NoAnswerInTime:
        answer.cancel()  # if it is still waiting behind an earlier check, it need not run
        current_app.logger.warning("Readiness: the database did not answer within %s s", READY_TIMEOUT_SECONDS)
        return f"database: no answer within {READY_TIMEOUT_SECONDS} s", 503, PROBE_HEADERS
    except SQLAlchemyError as error:
        current_app.logger.warning("Readiness: the database refused: %s", error)
        return "database: unavailable", 503, PROBE_HEADERS
    return "ok", 200, PROBE_HEADERS


def _select_one(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


@blueprint.post("/text-size")
def choose_text_size() -> Response:
    size = request.form.get("size")
    response = redirect(safe_next(request.form.get("next"), url_for(HOME)))
    if size in TEXT_SIZES:
        remember_choice(response, TEXT_SIZE_COOKIE, size)
    return response


def remember_choice(response: Response, cookie: str, value: str) -> None:
    """A choice made in the page header (language, text size), kept for a year in this browser."""
    response.set_cookie(cookie, value, max_age=ONE_YEAR, samesite="Lax", httponly=True)


@blueprint.app_context_processor
def layout_context() -> dict[str, object]:
    size = request.cookies.get(TEXT_SIZE_COOKIE)
    return {
        "current_locale": str(get_locale()),
        "language_names": LANGUAGE_NAMES,
        "text_size": size if size in TEXT_SIZES else TEXT_SIZES[0],
        "text_sizes": TEXT_SIZES,
    }


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
}
PRODUCTION_HEADERS = {"Strict-Transport-Security": "max-age=31536000"}  # a year of HTTPS only


def _our_response() -> bool:
    """Our pages, not a host site's; the router's own 404 and 405 (no rule matched) too,
    because our error pages render them."""
    return request.url_rule is None or request.blueprint in current_app.extensions["kaiku_blueprints"]


@blueprint.app_url_value_preprocessor
def no_nul_in_paths(_endpoint: str | None, values: dict[str, object] | None) -> None:
    """Nothing has a NUL in its key or token (and PostgreSQL refuses NUL in any text)."""
    if _our_response() and any(isinstance(value, str) and "\0" in value for value in (values or {}).values()):
        abort(404)


@blueprint.before_app_request
def without_nul_bytes() -> None:
    """PostgreSQL refuses NUL in any text, and no browser sends one for what a person typed: they
    are taken out of every query and form parameter here, once for every page."""
    if not _our_response():
        return
    for name in ("args", "form"):
        values = getattr(request, name)
        if any("\0" in key or "\0" in value for key, value in values.items(multi=True)):
            setattr(
                request,
                name,
                ImmutableMultiDict(
                    (key.replace("\0", ""), value.replace("\0", "")) for key, value in values.items(multi=True)
                ),
            )


@blueprint.after_app_request
def security_headers(response: Response) -> Response:
    if _our_response():
        production = current_app.config["ENV"] == "production"
        for name, value in {**SECURITY_HEADERS, **(PRODUCTION_HEADERS if production else {})}.items():
            response.headers.setdefault(name, value)
    return response
