"""Live remote sessions: scheduling, registration with seats and a waiting list, attendance."""
from flask import Flask

from ..core.signals import course_sessions_asked, live_session_attendance_asked


def init_app(app: Flask) -> None:
    """Answer the curriculum's questions about a course's live sessions."""
    from . import services

    live_session_attendance_asked.connect(services.attended_live_session)
    course_sessions_asked.connect(services.sessions_of_course)
