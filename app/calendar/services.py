"""Calendars: published feeds and personal feeds with their tokens, the ETags that let
polling clients get a 304, and the organiser of email invitations.

What the feeds list comes from the features that own the events (app.calendar.sources)."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import delete, select

from ..accounts.models import User
from ..core.cache import TimedCache, app_cache
from ..core.timeutil import utcnow
from ..core.tokens import hash_token, new_token
from ..extensions import db
from .ics import CalendarEvent, Organizer, build_calendar
from .models import FeedToken
from .sources import personal_events, published_listing

FEED_HISTORY = timedelta(days=180)  # how far back feeds keep past and cancelled events


@dataclass
class Feed:
    body: bytes
    last_modified: datetime | None
    etag: str


def _feed(events: list[CalendarEvent], name: str, alarm_minutes: int | None = None) -> Feed:
    body = build_calendar(events, name=name, refresh=_refresh(), alarm_minutes=alarm_minutes)
    return Feed(
        body, max((event.last_modified for event in events), default=None), hashlib.sha256(body).hexdigest()[:32]
    )


def feed_cache() -> TimedCache:
    """Built feeds kept for a few seconds per worker. Calendar clients poll the same URLs
    over and over; within the window a poll (and its 304) costs no database work. A change,
    or a revoked token, shows at most FEED_CACHE_SECONDS later."""
    return app_cache("kaiku_feed_cache", "FEED_CACHE_SECONDS", max_entries=5000)


def personal_feed_key(token_hash: str) -> tuple:
    return ("personal", token_hash)


def organizer() -> Organizer:
    """Who sends email invitations: the site's sender address."""
    name, email = parseaddr(current_app.config["MAIL_SENDER"])
    return Organizer(email=email, name=name or current_app.config["SITE_NAME"])


def feed_history_start() -> datetime:
    return utcnow() - FEED_HISTORY


# --- feeds -----------------------------------------------------------------------------------------


def _refresh() -> timedelta:
    return timedelta(minutes=current_app.config["FEED_REFRESH_MINUTES"])


def published_feed(name: str, key: str | int | None, viewer: User, locale: str) -> Feed | None:
    """A published feed (open sessions, a course's sessions, a meeting's programme) as its
    owner lists it for the viewer; None when there is no such feed or the viewer may not see it."""
    listing = published_listing(name, key, viewer, locale, feed_history_start())
    return None if listing is None else _feed(listing.events, listing.name)


def personal_feed(token: FeedToken, name: str) -> Feed:
    """Everything the person is registered for, and the due dates of their unfinished courses
    as all-day events, as the features that own them list them."""
    person = token.user
    locale = person.locale or current_app.config["DEFAULT_LOCALE"]
    return _feed(personal_events(person, locale, feed_history_start()), name, token.alarm_minutes)


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
    for token in db.session.scalars(
        select(FeedToken).where(FeedToken.user_id == person.id, FeedToken.revoked_at.is_(None))
    ):
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
    return {
        "calendar_feeds": [
            {
                "created_at": token.created_at,
                "last_used_at": token.last_used_at,
                "revoked_at": token.revoked_at,
                "alarm_minutes": token.alarm_minutes,
            }
            for token in db.session.scalars(
                select(FeedToken).where(FeedToken.user_id == person.id).order_by(FeedToken.created_at)
            )
        ]
    }


def erase_personal_data(person: User, **_event: object) -> None:
    """Stop the person's feed at once and delete every feed token they had."""
    revoke_feed_token(person, commit=False)
    db.session.execute(delete(FeedToken).where(FeedToken.user_id == person.id))
