"""Live remote sessions: scheduling, registration with seats and a waiting list, attendance."""
from flask import Flask

from ..core.signals import (course_sessions_asked, live_session_attendance_asked, person_deactivated, person_erased,
                            person_erasing, personal_data_requested)


def init_app(app: Flask) -> None:
    from . import attendance, privacy, registrations, services
    from .calendar import register_calendar_sources

    personal_data_requested.connect(privacy.personal_data)
    person_deactivated.connect(registrations.leave_upcoming_sessions)
    person_erasing.connect(privacy.cancel_registrations_of_erased)
    person_erased.connect(privacy.forget_guest_identity)
    # The curriculum's questions about a course's live sessions:
    live_session_attendance_asked.connect(attendance.attended_live_session)
    course_sessions_asked.connect(services.sessions_of_course)
    register_calendar_sources()
