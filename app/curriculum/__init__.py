"""Courses from files, learning, knowledge checks, completions and assignments."""
from flask import Flask

from ..core.signals import attendance_marked, content_synced, personal_data_requested


def init_app(app: Flask) -> None:
    """The curriculum decides completion whenever a requirement changes outside it."""
    from . import services
    from .calendar import register_calendar_sources

    personal_data_requested.connect(services.personal_data)
    attendance_marked.connect(services.settle_after_attendance)
    content_synced.connect(services.settle_after_sync)
    register_calendar_sources()
