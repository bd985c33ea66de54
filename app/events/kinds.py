"""Kinds of TrainingSession: what a kind does differently from a live training session.

Every kind takes registrations through the same machinery (seats, waiting list, offers,
attendance); a kind declares only where it differs. Live sessions are registered here; the
annual meeting registers its kind from app.meetings, so events never imports meetings. Code
asks the kind (`kind_of(session).audit_noun`), never `session.kind == ...`; queries filter
with the sets given here (`TrainingSession.kind.in_(listed_kinds())`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import url_for

from .models import SESSION, TrainingSession

if TYPE_CHECKING:
    from ..calendar.ics import CalendarEvent
    from .models import Registration


def _session_page(session: TrainingSession) -> str:
    return url_for("events.session_page", session_id=session.id)


@dataclass(frozen=True)
class SessionKind:
    name: str  # the value of TrainingSession.kind
    audit_noun: str  # how the audit log names a change: "session.changed", "edition.changed"
    # In the sessions list, the staff's session lists, the published feeds and the reports:
    listed: bool = True
    # Confirmations carry an iTIP invitation (REQUEST); None: the owner's own feeds instead.
    invitation_method: str | None = "REQUEST"
    # The session has its own page, where people register; False: it is shown and registered for
    # only on its owner's page (page_url), with the owner's answers.
    on_session_page: bool = True
    # The first use of the join link marks the registrant as attended.
    joining_marks_attendance: bool = False
    # The roster links to the session's own edit form and page.
    edited_as_session: bool = True
    # Where the session is shown to participants.
    page_url: Callable[[TrainingSession], str] = _session_page
    # Where a registration's manage link (its token) leads; None: events' own registration page.
    registration_url: Callable[[str], str] | None = None
    # The registrant's calendar events in their personal feed; None: the session's own event.
    calendar_events: Callable[[Registration, str], list[CalendarEvent]] | None = None


_kinds: dict[str, SessionKind] = {}


def register_kind(kind: SessionKind) -> None:
    """Make a kind known (again: every app made registers its kinds, the last one wins)."""
    _kinds[kind.name] = kind


def kind_of(session: TrainingSession) -> SessionKind:
    return _kinds[session.kind or SESSION]


def listed_kinds() -> tuple[str, ...]:
    """The kinds shown in session lists, published feeds and reports."""
    return tuple(name for name, kind in _kinds.items() if kind.listed)


LIVE_SESSION = SessionKind(name=SESSION, audit_noun="session")
register_kind(LIVE_SESSION)
