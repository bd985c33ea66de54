"""What calendars show, asked of the features that own it.

calendar/ knows calendars, feeds and tokens, never the features whose events it shows: each
owner registers, in its own init_app, the feeds it publishes (by name: the feed views ask for
"open_sessions", "course" or "meeting") and what it adds to a person's own feed. Both registries
are keyed by name, so the registrations of every app made replace, never repeat, each other.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ..accounts.models import User
from .ics import CalendarEvent


@dataclass
class Listing:
    """A published feed's events and its name in calendar clients."""

    name: str
    events: list[CalendarEvent]


# (key from the URL or None, the person looking, locale, events since) -> the feed, or None for
# no such feed or none the person may see (a 404, as the page it mirrors).
PublishedFeed = Callable[[str | int | None, User, str, datetime], Listing | None]
# (the feed's owner, locale, events since) -> their events.
PersonalSource = Callable[[User, str, datetime], list[CalendarEvent]]

_published: dict[str, PublishedFeed] = {}
_personal: dict[str, PersonalSource] = {}


def register_feed(name: str, listing: PublishedFeed) -> None:
    _published[name] = listing


def register_personal_source(name: str, events: PersonalSource) -> None:
    _personal[name] = events


def published_listing(name: str, key: str | int | None, viewer: User, locale: str, since: datetime) -> Listing | None:
    listing = _published.get(name)
    return listing(key, viewer, locale, since) if listing else None


def personal_events(person: User, locale: str, since: datetime) -> list[CalendarEvent]:
    return [event for events in _personal.values() for event in events(person, locale, since)]
