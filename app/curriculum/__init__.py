"""Courses from files, learning, knowledge checks, completions and assignments."""

from flask import Flask
from flask_babel import get_locale

from ..core.features import label_of, register_blueprints
from ..core.signals import attendance_marked, content_synced, personal_data_requested


def init_app(app: Flask) -> None:
    """The curriculum decides completion whenever a requirement changes outside it."""
    from ..core.i18n import in_locale
    from . import services
    from .calendar import register_calendar_sources
    from .cli import courses_cli
    from .manage import blueprint as manage
    from .models import WithdrawalReason
    from .views import blueprint as views
    from .views import dashboard

    register_blueprints(app, dashboard, views, manage)
    app.cli.add_command(courses_cli)
    app.add_template_filter(label_of(services.CourseStatus), "course_status_label")
    app.add_template_filter(label_of(WithdrawalReason), "withdrawal_reason_label")
    app.add_template_global(lambda texts: in_locale(texts, str(get_locale())), "localized")
    personal_data_requested.connect(services.personal_data)
    attendance_marked.connect(services.settle_after_attendance)
    content_synced.connect(services.settle_after_sync)
    register_calendar_sources()
