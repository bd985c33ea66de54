"""The ground floor every feature stands on: time, languages, forms, signals, error pages.
It imports no feature (tests/core/test_layers.py keeps it so)."""

from flask import Flask

from . import sqlite  # noqa: F401  (sets up every SQLite connection, whichever app opens it)


def init_app(app: Flask) -> None:
    """Our URL converters, static files and the page-wide choices, error pages, date and time
    filters, `flask settings`, and `flask worker`, which runs the periodic jobs that features
    register."""
    from .cli import settings_cli, worker
    from .errors import register_error_handlers
    from .features import register_blueprints
    from .i18n import format_datetime, format_time
    from .logs import init_app as init_logs
    from .urls import DatabaseIntConverter
    from .views import blueprint

    init_logs(app)  # first: every request gets its id before anything else can log
    app.url_map.converters["int"] = DatabaseIntConverter  # before any of our routes is added: core comes first
    register_blueprints(app, blueprint)
    register_error_handlers(app)
    app.cli.add_command(settings_cli)
    app.cli.add_command(worker)
    # Flask-Babel added its own filters of these names when it was initialised; these replace
    # them everywhere, pages and emails alike, so core must be set up after Babel.
    app.add_template_filter(format_datetime, "datetimeformat")
    app.add_template_filter(format_time, "timeformat")
