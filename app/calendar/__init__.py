"""Calendars: iCalendar feeds with personal tokens, and email invitations."""
from flask import Flask

from ..core.features import register_blueprints
from ..core.signals import person_erasing, personal_data_requested


def init_app(app: Flask) -> None:
    from . import services
    from .views import blueprint as views

    register_blueprints(app, views)
    personal_data_requested.connect(services.personal_data)
    person_erasing.connect(services.erase_personal_data)
