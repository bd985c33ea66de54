"""The yearly national online meeting, on the live-session registration machinery."""
from flask import Flask

from ..core.signals import guest_erasing, person_erasing, personal_data_requested


def init_app(app: Flask) -> None:
    from . import services

    personal_data_requested.connect(services.personal_data)
    person_erasing.connect(services.erase_personal_data)
    guest_erasing.connect(services.erase_guest_answers)
