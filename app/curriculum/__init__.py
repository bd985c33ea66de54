"""Courses from files, learning, knowledge checks, completions and assignments."""
from flask import Flask

from ..core.signals import personal_data_requested


def init_app(app: Flask) -> None:
    from . import services

    personal_data_requested.connect(services.personal_data)
