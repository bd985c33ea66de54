"""Progress reports and national figures for the support service."""

from flask import Flask

from ..core.features import label_of, register_blueprints


def init_app(app: Flask) -> None:
    from ..events.models import Attendance
    from .changes import track_changes
    from .views import blueprint as views

    register_blueprints(app, views)
    app.add_template_filter(label_of(Attendance), "attendance_label")
    track_changes()
