"""Error pages: every error our pages raise, in the site's layout and the reader's language."""

from collections.abc import Callable

from flask import Flask, Response, current_app, make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from ..extensions import db

ERROR_TITLES: dict[int, Callable[[], str]] = {
    400: lambda: _("The request could not be understood"),
    403: lambda: _("You do not have access to this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("This action is not allowed here"),
    413: lambda: _("What you sent is too large"),
    429: lambda: _("Too many attempts"),
    500: lambda: _("Something went wrong on our side"),
}
ERROR_EXPLANATIONS: dict[int, Callable[[], str]] = {
    400: lambda: _("Go back, check what you entered and try again."),
    403: lambda: _("Your role does not include this page. If you think it should, contact the support service."),
    404: lambda: _("The address may be mistyped, or the page has moved."),
    405: lambda: _("Go back and use the buttons on the page."),
    413: lambda: _(
        "A form with its files may be at most %(size)d MB. Go back and choose a smaller file.",
        size=current_app.config["MAX_REQUEST_MB"],
    ),
    429: lambda: _("For your security, further attempts are paused for a while. Please wait and try again later."),
    500: lambda: _("The error has been recorded. Please try again in a moment."),
}


def render_error(status: int, explanation: str | None = None) -> Response:
    body = render_template(
        "kaiku/core/error.html",
        status=status,
        title=ERROR_TITLES[status](),
        explanation=explanation or ERROR_EXPLANATIONS[status](),
    )
    return make_response(body, status)


def csrf_error(_error: CSRFError) -> Response:
    return render_error(400, _("The form had expired. Please go back, reload the page and submit it again."))


def server_error(_error: Exception) -> Response:
    """Flask has logged the exception, with its path and method, before it calls this."""
    db.session.rollback()
    return render_error(500)


def _page_for(status: int) -> Callable[[Exception], Response]:
    def handler(_error: Exception) -> Response:
        return render_error(status)

    return handler


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    for status in ERROR_TITLES:
        app.register_error_handler(status, server_error if status == 500 else _page_for(status))
