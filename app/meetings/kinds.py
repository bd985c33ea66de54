"""The annual meeting's kind of TrainingSession: each edition's registration is a session of
this kind (app.events.kinds), registered from here so that events never imports meetings."""

from flask import url_for

from ..events.kinds import SessionKind
from .calendar import agenda_events, edition_page
from .models import ANNUAL_MEETING

ANNUAL_MEETING_KIND = SessionKind(
    name=ANNUAL_MEETING,
    audit_noun="edition",
    listed=False,  # shown on the meeting's own pages, not among the sessions
    invitation_method=None,  # many programme items, which people add through their agenda feed
    on_session_page=False,  # shown and registered for, with its answers, on the meeting's page
    joining_marks_attendance=True,
    edited_as_session=False,  # edited on the meeting's pages
    page_url=edition_page,
    registration_url=lambda token: url_for("meetings.registration_page", token=token),  # with materials, feedback
    calendar_events=agenda_events,
)
