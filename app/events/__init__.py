"""Live remote sessions: scheduling, registration with seats and a waiting list, attendance."""

from flask import Flask

from ..core.features import label_of, register_blueprints
from ..core.jobs import register_job
from ..core.signals import (
    course_sessions_asked,
    live_session_attendance_asked,
    person_deactivated,
    person_erased,
    person_erasing,
    personal_data_requested,
)


def init_app(app: Flask) -> None:
    from . import attendance, privacy, registrations, reminders, services
    from .calendar import register_calendar_sources
    from .cli import reminders_cli
    from .manage import blueprint as manage
    from .models import RegistrationStatus
    from .views import blueprint as views
    from .views import my_upcoming_registrations

    register_blueprints(app, views, manage)
    app.cli.add_command(reminders_cli)
    register_job(
        app,
        "reminders-send",
        every="REMINDERS_SEND_EVERY_SECONDS",
        run=lambda: {"queued": reminders.send_due_reminders()},
    )
    register_job(
        app,
        "reminders-lapse-unconfirmed",
        every="LAPSE_UNCONFIRMED_EVERY_SECONDS",
        run=lambda: {"lapsed": registrations.lapse_unconfirmed_registrations()},
    )
    app.add_template_filter(label_of(RegistrationStatus), "registration_status_label")
    app.add_template_global(my_upcoming_registrations, "my_upcoming_registrations")
    personal_data_requested.connect(privacy.personal_data)
    person_deactivated.connect(registrations.leave_upcoming_sessions)
    person_erasing.connect(privacy.cancel_registrations_of_erased)
    person_erased.connect(privacy.forget_guest_identity)
    # The curriculum's questions about a course's live sessions:
    live_session_attendance_asked.connect(attendance.attended_live_session)
    course_sessions_asked.connect(services.sessions_of_course)
    register_calendar_sources()
