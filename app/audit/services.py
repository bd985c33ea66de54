"""Recording what staff did, as the services that did it report it, and reading it back.

Services send `staff_action_done` (app/core/signals.py) in their transaction, after their
change, naming who acted (None from the command line); `record_staff_action` adds the event to
that transaction, so a refused or rolled-back action leaves no trace. Nothing here reads the
request.
"""
from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..extensions import db
from .models import AuditEvent

# A detail whose name contains one of these is never stored: passwords, tokens, typed confirmations.
SECRET_FIELD_MARKERS = ("password", "token", "confirm")
MAX_VALUE_LENGTH = 200


def record_staff_action(actor: User | None, *, action: str, subject=None, details: dict | None = None) -> AuditEvent:
    """Add one event to the current transaction (the reporting service commits it)."""
    event = AuditEvent(actor_id=actor.id if actor is not None else None, action=action,
                       subject_kind=subject.__tablename__ if subject is not None else None,
                       subject_id=subject.id if subject is not None else None,
                       details=_fit_for_log(details or {}))
    db.session.add(event)
    return event


def _fit_for_log(details: dict) -> dict:
    """Plain values, no secrets, each text cut to MAX_VALUE_LENGTH characters."""
    return {name: _shortened(value) for name, value in details.items() if not _is_secret(name)}


def _is_secret(name: str) -> bool:
    return any(marker in name.lower() for marker in SECRET_FIELD_MARKERS)


def _shortened(value):
    if isinstance(value, (list, tuple, set)):
        return [_shortened(item) for item in value]
    if isinstance(value, dict):
        return _fit_for_log(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)[:MAX_VALUE_LENGTH]


def events_query(action: str = "", actor_email: str = ""):
    """Events newest first; only `action` if given, and only actors whose email contains
    `actor_email` if given."""
    query = select(AuditEvent).options(selectinload(AuditEvent.actor)).order_by(
        AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_email:
        query = query.where(AuditEvent.actor.has(User.email.contains(actor_email.strip().lower(), autoescape=True)))
    return query


def recorded_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def erase_personal_data(person: User, **_event) -> None:
    """Blank the person's name and email address where recorded values quote them (their
    invitation, edits of their details, a list of addresses). Who did what, and when, stays;
    the person as a subject is shown by their current (erased) name. Runs while the person
    still has their name and email; the erasing service commits."""
    identity = {person.email.lower(), person.name.strip().lower()} - {""}
    quoting = db.session.scalars(select(AuditEvent).where(or_(
        (AuditEvent.subject_kind == User.__tablename__) & (AuditEvent.subject_id == person.id),
        func.lower(cast(AuditEvent.details, Text)).contains(person.email.lower(), autoescape=True))))
    for event in quoting:
        event.details = {name: _without(value, identity) for name, value in event.details.items()}


def _without(value, identity: set[str]):
    if isinstance(value, list):
        return [item for item in (_without(item, identity) for item in value) if item is not None]
    return None if isinstance(value, str) and value.strip().lower() in identity else value
