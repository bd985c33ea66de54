"""Demo data for trying the application and a synthetic national data set for the reports.

It sits above every feature (it fills them all with data) and nothing below imports it."""

from flask import Flask


def init_app(app: Flask) -> None:
    """`flask demo load` and `flask demo generate`."""
    from .cli import demo_cli

    app.cli.add_command(demo_cli)
