"""The one iCalendar builder: published feeds, single-event downloads and email invitations.

Times are written in UTC (never floating), so daylight-saving changes and dates after 2038
cannot move an event; calendar clients show them in local time.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vText

PRODUCT_ID = "-//Kaikukortti support and development service//Kaiku Training//EN"


@dataclass
class CalendarEvent:
    uid: str
    summary: str
    start: datetime | date  # a date makes an all-day event
    end: datetime | date
    last_modified: datetime
    sequence: int = 0
    description: str = ""
    url: str | None = None
    location: str | None = None
    cancelled: bool = False
    tentative: bool = False
    attendees: list[tuple[str, str]] = field(default_factory=list)  # (email, name)


@dataclass
class Organizer:
    email: str
    name: str


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _status(event: CalendarEvent) -> str:
    if event.cancelled:
        return "CANCELLED"
    return "TENTATIVE" if event.tentative else "CONFIRMED"


def _event_component(
    event: CalendarEvent, dtstamp: datetime, organizer: Organizer | None, alarm_minutes: int | None
) -> Event:
    component = Event()
    component.add("uid", event.uid)
    component.add("dtstamp", _utc(dtstamp))
    all_day = not isinstance(event.start, datetime)
    component.add("dtstart", _utc(event.start) if isinstance(event.start, datetime) else event.start)
    component.add("dtend", _utc(event.end) if isinstance(event.end, datetime) else event.end)
    component.add("summary", event.summary)
    if event.description:
        component.add("description", event.description)
    if event.location:
        component.add("location", event.location)
    if event.url:
        component.add("url", event.url)
    component.add("status", _status(event))
    component.add("sequence", event.sequence)
    component.add("last-modified", _utc(event.last_modified))
    component.add("transp", "TRANSPARENT" if all_day else "OPAQUE")
    if organizer is not None:
        address = vCalAddress(f"mailto:{organizer.email}")
        address.params["cn"] = vText(organizer.name)
        component.add("organizer", address)
        for email, name in event.attendees:
            attendee = vCalAddress(f"mailto:{email}")
            attendee.params.update(
                {
                    "cn": vText(name),
                    "role": vText("REQ-PARTICIPANT"),
                    "partstat": vText("ACCEPTED"),
                    "rsvp": vText("FALSE"),
                }
            )
            component.add("attendee", attendee, encode=False)
    # A waiting place is no appointment yet: an alarm would call the person to a seat they lack.
    if alarm_minutes and not event.cancelled and not event.tentative and not all_day:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.summary)
        alarm.add("trigger", timedelta(minutes=-alarm_minutes))
        component.add_component(alarm)
    return component


def build_calendar(
    events: list[CalendarEvent],
    *,
    name: str | None = None,
    method: str | None = None,
    organizer: Organizer | None = None,
    alarm_minutes: int | None = None,
    refresh: timedelta | None = None,
    dtstamp: datetime | None = None,
) -> bytes:
    """An RFC 5545 calendar. With `method` (REQUEST or CANCEL) it is an iTIP message for email
    and needs `organizer`; without, it is a published calendar, and `refresh` adds the hints
    clients use to poll. `dtstamp` defaults to each event's last change, which keeps an
    unchanged feed byte-for-byte the same (and its ETag stable)."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", vText(name))  # escaped like any text: a newline cannot start a property
    if refresh:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    for event in events:
        calendar.add_component(_event_component(event, dtstamp or event.last_modified, organizer, alarm_minutes))
    return calendar.to_ical()
