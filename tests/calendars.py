"""Parse what we emit with two independent iCalendar parsers and check they agree."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
from ical.calendar_stream import IcsCalendarStream

HELSINKI = ZoneInfo("Europe/Helsinki")


def parse_both(data: bytes) -> list[dict]:
    """Events as dicts from `icalendar`, after checking that the strict `ical` parser reads the
    same events with the same start and end instants."""
    loose = icalendar.Calendar.from_ical(data)
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    events = list(loose.walk("VEVENT"))
    assert len(events) == len(strict.events)
    parsed = []
    for event, other in zip(events, strict.events, strict=False):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert other.uid == str(event["uid"])
        assert other.dtstart == start and other.dtend == end
        if isinstance(start, datetime):
            assert start.tzinfo is not None, "floating time"
        parsed.append(
            {
                "uid": str(event["uid"]),
                "summary": str(event["summary"]),
                "start": start,
                "end": end,
                "status": str(event.get("status", "")),
                "sequence": int(event.get("sequence", 0)),
                "location": str(event.get("location", "")),
                "description": str(event.get("description", "")),
                "alarms": list(event.walk("VALARM")),
                "attendees": [
                    str(value)
                    for value in (
                        event.get("attendee")
                        if isinstance(event.get("attendee"), list)
                        else [event.get("attendee")]
                        if event.get("attendee")
                        else []
                    )
                ],
            }
        )
    return parsed


def calendar_properties(data: bytes) -> dict:
    calendar = icalendar.Calendar.from_ical(data)
    return {
        key: str(value.to_ical().decode() if hasattr(value, "to_ical") else value) for key, value in calendar.items()
    }


def helsinki(moment: datetime) -> datetime:
    return moment.astimezone(HELSINKI)


def all_day(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
