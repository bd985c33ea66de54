"""Progress reports and national figures for the support service."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .changes import track_changes

    track_changes()
