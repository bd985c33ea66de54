"""Courses in a person's own calendar feed: the due dates of their unfinished courses as
all-day events (registered with app.calendar.sources in init_app)."""

from datetime import datetime, timedelta

from ..accounts.models import User
from ..calendar.ics import CalendarEvent
from ..calendar.sources import register_personal_source
from ..core.urls import absolute_url
from .services import dashboard


def due_date_events(person: User, locale: str, _since: datetime) -> list[CalendarEvent]:
    events = []
    for progress in dashboard(person):
        if progress.due_on and progress.completion is None:
            course = progress.course
            events.append(
                CalendarEvent(
                    uid=f"due-{course.key}-{person.id}@kaiku-training",
                    summary=course.title_in(locale),
                    start=progress.due_on,
                    end=progress.due_on + timedelta(days=1),
                    last_modified=course.updated_at,
                    url=absolute_url("curriculum.course", key=course.key),
                )
            )
    return events


def register_calendar_sources() -> None:
    register_personal_source("due_dates", due_date_events)
