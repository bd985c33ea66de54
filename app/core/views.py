"""Home page, language and text-size choices, static files and error pages."""
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict

from .. import PACKAGE_DIR
from ..accounts.services import set_preferred_locale
from ..curriculum.services import dashboard
from ..meetings.services import current_edition
from ..extensions import db
from .access import anyone, guard
from .i18n import LANGUAGE_COOKIE, LANGUAGE_NAMES, SUPPORTED_LOCALES, format_datetime, format_time
from .urls import safe_next

blueprint = Blueprint(
    "core", __name__,
    static_folder=str(PACKAGE_DIR / "static"), static_url_path="/static",
    template_folder=str(PACKAGE_DIR / "templates"),
)
guard(blueprint, anyone)  # the home page, choices, static files: for everyone

# Flask-Babel added its own filters of these names when it was initialised; blueprints are
# registered after it, so these replace them everywhere, pages and emails alike.
blueprint.add_app_template_filter(format_datetime, "datetimeformat")
blueprint.add_app_template_filter(format_time, "timeformat")

TEXT_SIZE_COOKIE = "kaiku_text_size"
TEXT_SIZES = ("100", "125", "150")
ONE_YEAR = 365 * 24 * 3600


@blueprint.route("/")
def home():
    signed_in = current_user.is_authenticated
    return render_template("core/home.html", training=dashboard(current_user) if signed_in else [],
                           meeting=current_edition())


@blueprint.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page says; give them the site icon."""
    return redirect(url_for("core.static", filename="favicon.svg"), 301)


@blueprint.route("/healthz")
def health():
    """For load balancers and uptime checks; also the trivial route benchmarks compare against."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@blueprint.post("/language")
def choose_language():
    locale = request.form.get("locale")
    response = redirect(safe_next(request.form.get("next"), url_for("core.home")))
    if locale in SUPPORTED_LOCALES:
        response.set_cookie(LANGUAGE_COOKIE, locale, max_age=ONE_YEAR, samesite="Lax", httponly=True)
        if current_user.is_authenticated:
            set_preferred_locale(current_user, locale)
    return response


@blueprint.post("/text-size")
def choose_text_size():
    size = request.form.get("size")
    response = redirect(safe_next(request.form.get("next"), url_for("core.home")))
    if size in TEXT_SIZES:
        response.set_cookie(TEXT_SIZE_COOKIE, size, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@blueprint.app_context_processor
def layout_context():
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
def no_nul_in_paths(_endpoint, values):
    """Nothing has a NUL in its key or token (and PostgreSQL refuses NUL in any text)."""
    if _our_response() and any(isinstance(value, str) and "\0" in value for value in (values or {}).values()):
        abort(404)


@blueprint.before_app_request
def without_nul_bytes():
    """PostgreSQL refuses NUL in any text, and no browser sends one for what a person typed: they
    are taken out of every query and form parameter here, once for every page."""
    if not _our_response():
        return
    for name in ("args", "form"):
        values = getattr(request, name)
        if any("\0" in key or "\0" in value for key, value in values.items(multi=True)):
            setattr(request, name, ImmutableMultiDict(
                (key.replace("\0", ""), value.replace("\0", "")) for key, value in values.items(multi=True)))


@blueprint.after_app_request
def security_headers(response):
    if _our_response():
        production = current_app.config["ENV"] == "production"
        for name, value in {**SECURITY_HEADERS, **(PRODUCTION_HEADERS if production else {})}.items():
            response.headers.setdefault(name, value)
    return response


ERROR_TITLES = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You do not have access to this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("This action is not allowed here"),
    413: lambda: _("What you sent is too large"),
    429: lambda: _("Too many attempts"),
    500: lambda: _("Something went wrong on our side"),
}
ERROR_EXPLANATIONS = {
    400: lambda: _("Go back, check what you entered and try again."),
    403: lambda: _("Your role does not include this page. If you think it should, contact the support service."),
    404: lambda: _("The address may be mistyped, or the page has moved."),
    405: lambda: _("Go back and use the buttons on the page."),
    413: lambda: _("A form with its files may be at most %(size)d MB. Go back and choose a smaller file.",
                   size=current_app.config["MAX_REQUEST_MB"]),
    429: lambda: _("For your security, further attempts are paused for a while. Please wait and try again later."),
    500: lambda: _("The error has been recorded. Please try again in a moment."),
}


def render_error(status: int, explanation: str | None = None):
    body = render_template(
        "core/error.html", status=status, title=ERROR_TITLES[status](),
        explanation=explanation or ERROR_EXPLANATIONS[status](),
    )
    return make_response(body, status)


@blueprint.app_errorhandler(CSRFError)
def csrf_error(_error):
    return render_error(400, _("The form had expired. Please go back, reload the page and submit it again."))


def _register_error_pages():
    for status in ERROR_TITLES:
        if status == 500:
            def handler(_error):
                db.session.rollback()
                current_app.logger.exception("Unhandled error")
                return render_error(500)
        else:
            def handler(_error, status=status):
                return render_error(status)
        blueprint.app_errorhandler(status)(handler)


_register_error_pages()
