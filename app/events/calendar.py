"""Sessions and registrations as calendar events: the event of a session, the iTIP invitation
a registrant gets by email, and what events lists in the published feeds and in a person's own
feed (registered with app.calendar.sources in init_app).

The meeting link itself never appears: a confirmed registrant's event carries their join link,
everyone else's the session page.
"""

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import contains_eager

from ..accounts.models import User
from ..calendar.ics import CalendarEvent, build_calendar
from ..calendar.services import organizer
from ..calendar.sources import Listing, register_feed, register_personal_source
from ..core.timeutil import utcnow
from ..core.urls import absolute_url
from ..curriculum.services import find_course
from ..extensions import db
from .kinds import kind_of, listed_kinds
from .links import join_url
from .models import Registration, RegistrationStatus, TrainingSession
from .policy import may_see_session


def last_change(moment: datetime, registration: Registration | None) -> datetime:
    """When an event last changed for this person: the session's or item's own change, or a
    change of their registration (confirmed, promoted, cancelled), whichever is later, so that
    clients that poll with If-Modified-Since see their own cancellation too."""
    if registration is None:
        return moment
    return max(filter(None, (moment, registration.created_at, registration.confirmed_at, registration.cancelled_at)))


def registrant_link(registration: Registration | None, page: str) -> str:
    """Where the event sends the person: a confirmed registrant's join link, else the page."""
    if registration is not None and registration.status == RegistrationStatus.CONFIRMED:
        return join_url(registration)
    return page


def session_event(session: TrainingSession, locale: str, registration: Registration | None = None) -> CalendarEvent:
    """The calendar event of a session. For a confirmed registration it carries the person's
    join link; otherwise the session page."""
    page = absolute_url("events.session_page", session_id=session.id)
    link = registrant_link(registration, page)
    description = session.description_in(locale)
    if link != page:
        description = f"{description}\n\n{session.instructions_in(locale)}\n\n{link}".strip()
    else:
        description = f"{description}\n\n{page}".strip()
    return CalendarEvent(
        uid=session.uid,
        summary=session.title_in(locale),
        start=session.starts_at,
        end=session.ends_at,
        last_modified=last_change(session.updated_at, registration),
        sequence=session.sequence,
        description=description,
        url=page,
        location=link,
        cancelled=session.is_cancelled or (registration is not None and not registration.is_active),
        tentative=registration is not None and registration.status == RegistrationStatus.WAITING,
        attendees=[(registration.email, registration.name)] if registration is not None and registration.email else [],
    )


def invitation(registration: Registration, method: str) -> bytes:
    """An iTIP message for one registrant: REQUEST to add or update, CANCEL to remove."""
    event = session_event(registration.session, registration.locale, registration)
    if method == "CANCEL":
        event.cancelled = True
    return build_calendar([event], method=method, organizer=organizer(), dtstamp=utcnow())


# --- what the feeds list -------------------------------------------------------------------------


def _recent_sessions(since: datetime, *conditions: ColumnElement[bool]) -> list[TrainingSession]:
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.kind.in_(listed_kinds()), TrainingSession.ends_at >= since, *conditions)
            .order_by(TrainingSession.starts_at)
        )
    )


def open_sessions_listing(_key: str | int | None, _viewer: User, locale: str, since: datetime) -> Listing:
    """Sessions open to anyone with the link, cancelled ones included as cancelled; the same
    for everyone who asks."""
    return Listing(
        _("%(site)s: open sessions", site=current_app.config["SITE_NAME"]),
        [
            session_event(session, locale)
            for session in _recent_sessions(since, TrainingSession.open_to_guests.is_(True))
        ],
    )


def course_listing(key: str | int | None, viewer: User, locale: str, since: datetime) -> Listing | None:
    """The course's sessions that the viewer may see, as on the session pages."""
    course = find_course(str(key))
    if course is None:
        return None
    return Listing(
        course.title_in(locale),
        [
            session_event(session, locale)
            for session in _recent_sessions(since, TrainingSession.course_id == course.id)
            if may_see_session(viewer, session)
        ],
    )


def _current_per_session(registrations: Iterable[Registration]) -> list[Registration]:
    """One registration per session, so that a feed holds one event per UID: the active one if
    the person has one, else their latest (someone who cancelled and registered again has both)."""
    current: dict[int, Registration] = {}
    for registration in registrations:
        kept = current.get(registration.session_id)
        if kept is None or (registration.is_active, registration.created_at) > (kept.is_active, kept.created_at):
            current[registration.session_id] = registration
    return list(current.values())


def registration_events(person: User, locale: str, since: datetime) -> list[CalendarEvent]:
    """Everything the person is registered for (but not waiting to confirm), each as its kind
    shows it: a session as its event, a meeting as its programme items."""
    registrations = db.session.scalars(
        select(Registration)
        .join(TrainingSession)
        .options(contains_eager(Registration.session))
        .where(
            Registration.user_id == person.id,
            Registration.status != RegistrationStatus.UNCONFIRMED,
            TrainingSession.ends_at >= since,
        )
        .order_by(TrainingSession.starts_at)
    )
    events: list[CalendarEvent] = []
    for registration in _current_per_session(registrations):
        of_kind = kind_of(registration.session).calendar_events
        events += (
            of_kind(registration, locale) if of_kind else [session_event(registration.session, locale, registration)]
        )
    return events


def register_calendar_sources() -> None:
    register_feed("open_sessions", open_sessions_listing)
    register_feed("course", course_listing)
    register_personal_source("registrations", registration_events)
