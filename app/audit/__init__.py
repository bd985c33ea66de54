"""Audit log: what staff changed, and who exported or downloaded personal data."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Record every successful change made through the staff pages."""
    from .views import record_staff_change

    app.after_request(record_staff_change)
