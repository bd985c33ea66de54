"""The yearly national online meeting, on the live-session registration machinery."""
from flask import Flask

from ..core.signals import guest_erasing, person_erasing, personal_data_requested


def init_app(app: Flask) -> None:
    from ..events.kinds import register_kind
    from . import services
    from .calendar import register_calendar_sources
    from .kinds import ANNUAL_MEETING_KIND

    personal_data_requested.connect(services.personal_data)
    person_erasing.connect(services.erase_personal_data)
    guest_erasing.connect(services.erase_guest_answers)
    register_kind(ANNUAL_MEETING_KIND)
    register_calendar_sources()
