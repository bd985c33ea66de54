"""Live remote sessions: scheduling, registration with seats and a waiting list, attendance."""
from flask import Flask

from ..core.signals import person_deactivated, person_erased, person_erasing, personal_data_requested


def init_app(app: Flask) -> None:
    from . import services

    personal_data_requested.connect(services.personal_data)
    person_deactivated.connect(services.leave_upcoming_sessions)
    person_erasing.connect(services.cancel_registrations_of_erased)
    person_erased.connect(services.forget_guest_identity)
    from ..curriculum.services import live_session_attendance_checks  # until curriculum listens for attendance

    if services.attended_live_session not in live_session_attendance_checks:
        live_session_attendance_checks.append(services.attended_live_session)
