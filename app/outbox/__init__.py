"""Queued email, delivered with retries by `flask outbox send`."""
from flask import Flask

from ..core.signals import guest_erased, person_erased, personal_data_requested


def init_app(app: Flask) -> None:
    from . import services

    personal_data_requested.connect(services.personal_data)
    person_erased.connect(services.erase_personal_data)
    guest_erased.connect(services.erase_personal_data)
