"""The annual meeting as calendar events: each programme item its own event (never one
multi-day block), in the meeting's published feed and, as the registrant picked them, in their
own feed (registered with app.calendar.sources in init_app)."""

from datetime import datetime

from flask import url_for
from sqlalchemy import select

from ..accounts.models import User
from ..calendar.ics import CalendarEvent
from ..calendar.sources import Listing, register_feed
from ..core.urls import absolute_url
from ..events.calendar import last_change, registrant_link
from ..events.models import Registration, TrainingSession
from ..extensions import db
from .models import MeetingEdition, ProgrammeItem
from .services import agenda_items, find_edition, may_see_edition


def item_event(
    edition: MeetingEdition, item: ProgrammeItem, locale: str, registration: Registration | None = None
) -> CalendarEvent:
    """One programme item; for a confirmed registrant with their join link."""
    page = absolute_url("meetings.edition", year=edition.year)
    link = registrant_link(registration, page)
    description = "\n\n".join(part for part in (item.speakers, item.description_in(locale), link) if part)
    return CalendarEvent(
        uid=item.uid,
        summary=f"{item.title_in(locale)} – {edition.title_in(locale)}",
        start=item.starts_at,
        end=item.ends_at,
        last_modified=last_change(item.updated_at, registration),
        sequence=item.sequence,
        description=description,
        url=page,
        location=link,
        cancelled=edition.session.is_cancelled or (registration is not None and not registration.is_active),
    )


def meeting_listing(year: str | int | None, viewer: User, locale: str, _since: datetime) -> Listing | None:
    """The whole programme, for those who may see the edition's page."""
    edition = find_edition(int(year)) if year is not None else None
    if edition is None or not may_see_edition(viewer, edition):
        return None
    return Listing(edition.title_in(locale), [item_event(edition, item, locale) for item in edition.items])


def agenda_events(registration: Registration, locale: str) -> list[CalendarEvent]:
    """The programme items the registrant picked, or the whole programme if none; a cancelled
    registration's items show as cancelled."""
    edition = db.session.scalar(select(MeetingEdition).where(MeetingEdition.session_id == registration.session_id))
    if edition is None:
        return []
    return [item_event(edition, item, locale, registration) for item in agenda_items(registration, edition)]


def edition_page(session: TrainingSession) -> str:
    """Where an edition's session is shown: the meeting's page."""
    edition = db.session.scalar(select(MeetingEdition).where(MeetingEdition.session_id == session.id))
    return url_for("meetings.edition", year=edition.year)  # type: ignore[union-attr]


def register_calendar_sources() -> None:
    register_feed("meeting", meeting_listing)
