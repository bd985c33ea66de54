"""Calendars: iCalendar feeds (published and personal, with their tokens) and the builder of
email invitations; what they list, the features that own the events register (sources.py)."""

from flask import Flask

from ..core.features import register_blueprints
from ..core.signals import person_erasing, personal_data_requested


def init_app(app: Flask) -> None:
    from . import services
    from .views import blueprint as views

    register_blueprints(app, views)
    personal_data_requested.connect(services.personal_data)
    person_erasing.connect(services.erase_personal_data)
