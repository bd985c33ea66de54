"""Calendars from sessions and registrations: email invitations, published feeds, personal
feeds with their tokens, and the ETags that let polling clients get a 304."""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import contains_eager

from ..accounts.models import User
from ..core.timeutil import utcnow
from ..core.tokens import hash_token, new_token
from ..core.cache import TimedCache, app_cache
from ..core.urls import absolute_url
from ..curriculum.services import dashboard
from ..events.links import join_url
from ..events.models import ANNUAL_MEETING, SESSION, Registration, RegistrationStatus, TrainingSession
from ..meetings.models import MeetingEdition, ProgrammeItem, agenda_pick
from ..extensions import db
from .ics import CalendarEvent, Organizer, build_calendar
from .models import FeedToken

FEED_HISTORY = timedelta(days=180)  # how far back feeds keep past and cancelled events


@dataclass
class Feed:
    body: bytes
    last_modified: datetime | None
    etag: str


def _feed(events: list[CalendarEvent], name: str, alarm_minutes: int | None = None) -> Feed:
    body = build_calendar(events, name=name, refresh=_refresh(), alarm_minutes=alarm_minutes)
    return Feed(body, max((event.last_modified for event in events), default=None),
                hashlib.sha256(body).hexdigest()[:32])


def feed_cache() -> TimedCache:
    """Built feeds kept for a few seconds per worker. Calendar clients poll the same URLs
    over and over; within the window a poll (and its 304) costs no database work. A change,
    or a revoked token, shows at most FEED_CACHE_SECONDS later."""
    return app_cache("kaiku_feed_cache", "FEED_CACHE_SECONDS", max_entries=5000)


def personal_feed_key(token_hash: str) -> tuple:
    return ("personal", token_hash)


def _last_change(moment: datetime, registration: Registration | None) -> datetime:
    """When an event last changed for this person: the session's or item's own change, or a
    change of their registration (confirmed, promoted, cancelled), whichever is later, so that
    clients that poll with If-Modified-Since see their own cancellation too."""
    if registration is None:
        return moment
    return max(filter(None, (moment, registration.created_at, registration.confirmed_at, registration.cancelled_at)))


def session_event(session: TrainingSession, locale: str, registration: Registration | None = None) -> CalendarEvent:
    """The calendar event of a session. For a confirmed registration it carries the person's
    join link; otherwise the session page. The meeting link itself never appears."""
    page = absolute_url("events.session_page", session_id=session.id)
    personal_join = registration is not None and registration.status == RegistrationStatus.CONFIRMED
    link = join_url(registration) if personal_join else page
    description = session.description_in(locale)
    if personal_join:
        description = f"{description}\n\n{session.instructions_in(locale)}\n\n{link}".strip()
    else:
        description = f"{description}\n\n{page}".strip()
    return CalendarEvent(
        uid=session.uid, summary=session.title_in(locale), start=session.starts_at, end=session.ends_at,
        last_modified=_last_change(session.updated_at, registration), sequence=session.sequence,
        description=description, url=page,
        location=link, cancelled=session.is_cancelled or (registration is not None and not registration.is_active),
        tentative=registration is not None and registration.status == RegistrationStatus.WAITING,
        attendees=[(registration.email, registration.name)] if registration is not None else [],
    )


def item_event(edition: MeetingEdition, item: ProgrammeItem, locale: str,
               registration: Registration | None = None) -> CalendarEvent:
    """One programme item of an annual meeting as its own event (never one multi-day block)."""
    page = absolute_url("meetings.edition", year=edition.year)
    personal_join = registration is not None and registration.status == RegistrationStatus.CONFIRMED
    link = join_url(registration) if personal_join else page
    description = "\n\n".join(part for part in (item.speakers, item.description_in(locale), link) if part)
    return CalendarEvent(
        uid=item.uid, summary=f"{item.title_in(locale)} – {edition.title_in(locale)}", start=item.starts_at,
        end=item.ends_at, last_modified=_last_change(item.updated_at, registration), sequence=item.sequence,
        description=description, url=page, location=link,
        cancelled=edition.session.is_cancelled or (registration is not None and not registration.is_active),
    )


def meeting_feed(edition: MeetingEdition, locale: str) -> Feed:
    return _feed([item_event(edition, item, locale) for item in edition.items], edition.title_in(locale))


def _agenda_events(registration: Registration, locale: str) -> list[CalendarEvent]:
    """The programme items the registrant picked, or the whole programme if none."""
    edition = db.session.scalar(select(MeetingEdition).where(MeetingEdition.session_id == registration.session_id))
    picked = set(db.session.scalars(select(agenda_pick.c.item_id).where(
        agenda_pick.c.registration_id == registration.id)))
    return [item_event(edition, item, locale, registration) for item in edition.items
            if not picked or item.id in picked]


def organizer() -> Organizer:
    name, email = parseaddr(current_app.config["MAIL_SENDER"])
    return Organizer(email=email, name=name or current_app.config["SITE_NAME"])


def invitation(registration: Registration, method: str) -> bytes:
    """An iTIP message for one registrant: REQUEST to add or update, CANCEL to remove."""
    event = session_event(registration.session, registration.locale, registration)
    if method == "CANCEL":
        event.cancelled = True
    return build_calendar([event], method=method, organizer=organizer(), dtstamp=utcnow())


# --- published feeds -----------------------------------------------------------------------------

def _refresh() -> timedelta:
    return timedelta(minutes=current_app.config["FEED_REFRESH_MINUTES"])


def _recent_sessions(*conditions):
    return db.session.scalars(select(TrainingSession).where(
        TrainingSession.kind == SESSION, TrainingSession.ends_at >= utcnow() - FEED_HISTORY, *conditions
    ).order_by(TrainingSession.starts_at))


def public_feed(locale: str, name: str) -> Feed:
    """Sessions open to anyone with the link, cancelled ones included as cancelled."""
    return _feed([session_event(session, locale)
                  for session in _recent_sessions(TrainingSession.open_to_guests.is_(True))], name)


def course_feed(course, viewer: User, locale: str, name: str) -> Feed:
    """The course's sessions that the viewer may see, as on the session pages."""
    from ..events.services import may_see_session  # not at the top: events.services imports this module
    return _feed([session_event(session, locale) for session in _recent_sessions(TrainingSession.course_id == course.id)
                  if may_see_session(viewer, session)], name)


def personal_feed(token: FeedToken, name: str) -> Feed:
    """Everything the person is registered for, and the due dates of their unfinished courses
    as all-day events."""
    person = token.user
    locale = person.locale or current_app.config["DEFAULT_LOCALE"]
    registrations = db.session.scalars(select(Registration).join(TrainingSession).options(
        contains_eager(Registration.session)).where(
        Registration.user_id == person.id, Registration.status != RegistrationStatus.UNCONFIRMED,
        TrainingSession.ends_at >= utcnow() - FEED_HISTORY).order_by(TrainingSession.starts_at))
    events = []
    for registration in registrations:
        if registration.session.kind == ANNUAL_MEETING:  # a cancelled registration's items show as cancelled
            events += _agenda_events(registration, locale)
        else:
            events.append(session_event(registration.session, locale, registration))
    events += _due_date_events(person, locale)
    return _feed(events, name, token.alarm_minutes)


def _due_date_events(person: User, locale: str) -> list[CalendarEvent]:
    events = []
    for progress in dashboard(person):
        if progress.due_on and progress.completion is None:
            course = progress.course
            events.append(CalendarEvent(
                uid=f"due-{course.key}-{person.id}@kaiku-training", summary=course.title_in(locale),
                start=progress.due_on, end=progress.due_on + timedelta(days=1),
                last_modified=course.updated_at, url=absolute_url("curriculum.course", key=course.key),
            ))
    return events


# --- personal feed tokens ------------------------------------------------------------------------------

def active_token(person: User) -> FeedToken | None:
    return db.session.scalar(select(FeedToken).where(FeedToken.user_id == person.id, FeedToken.revoked_at.is_(None)))


def issue_feed_token(person: User, alarm_minutes: int | None = None) -> str:
    """A new personal feed URL token; any earlier one stops working. Returns the raw token,
    which is shown once: only its hash is kept."""
    revoke_feed_token(person, commit=False)
    raw_token = new_token()
    db.session.add(FeedToken(user_id=person.id, token_hash=hash_token(raw_token), alarm_minutes=alarm_minutes))
    db.session.commit()
    return raw_token


def revoke_feed_token(person: User, commit: bool = True) -> None:
    for token in db.session.scalars(select(FeedToken).where(FeedToken.user_id == person.id,
                                                            FeedToken.revoked_at.is_(None))):
        token.revoked_at = utcnow()
        feed_cache().discard(personal_feed_key(token.token_hash))
    if commit:
        db.session.commit()


def set_feed_alarm(person: User, alarm_minutes: int | None) -> None:
    token = active_token(person)
    if token is not None:
        token.alarm_minutes = alarm_minutes
        db.session.commit()
        feed_cache().discard(personal_feed_key(token.token_hash))


def find_feed_token(raw_token: str) -> FeedToken | None:
    token = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == hash_token(raw_token)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token


def note_feed_use(token: FeedToken) -> None:
    """Remember when a calendar last fetched the feed, at most once an hour (not a write per poll)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        token.last_used_at = now
        db.session.commit()


# --- personal data -------------------------------------------------------------------------------------

def personal_data(person: User) -> dict:
    """The person's calendar feed links for their data download: when each was made, last
    fetched and revoked. Never the token, which only its owner ever saw."""
    return {"calendar_feeds": [
        {"created_at": token.created_at, "last_used_at": token.last_used_at, "revoked_at": token.revoked_at,
         "alarm_minutes": token.alarm_minutes}
        for token in db.session.scalars(select(FeedToken).where(FeedToken.user_id == person.id)
                                        .order_by(FeedToken.created_at))]}


def erase_personal_data(person: User, **_event) -> None:
    """Stop the person's feed at once and delete every feed token they had."""
    revoke_feed_token(person, commit=False)
    db.session.execute(delete(FeedToken).where(FeedToken.user_id == person.id))
