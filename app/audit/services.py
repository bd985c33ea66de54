"""Recording what staff did, as the services that did it report it, and reading it back.

Services send `staff_action_done` (app/core/signals.py) in their transaction, after their
change, naming who acted (None from the command line); `record_staff_action` adds the event to
that transaction, so a refused or rolled-back action leaves no trace. Nothing here reads the
request.
"""

from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..core.redaction import redactor
from ..extensions import Base, db
from .models import AuditEvent

# A detail whose name contains one of these is never stored: passwords, tokens, typed confirmations.
SECRET_FIELD_MARKERS = ("password", "token", "confirm")
MAX_VALUE_LENGTH = 200
# Details that name the subject when the subject is a person: erasing them blanks these, whatever they said.
IDENTIFYING_DETAILS = ("name", "email")


def record_staff_action(actor: User | None, *, action: str, subject=None, details: dict | None = None) -> AuditEvent:
    """Add one event to the current transaction (the reporting service commits it)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_kind=subject.__tablename__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        details=_fit_for_log(details or {}),
    )
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
    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_email:
        query = query.where(AuditEvent.actor.has(User.email.contains(actor_email.strip().lower(), autoescape=True)))
    return query


def subjects_of(events: list[AuditEvent]) -> dict[tuple[str, int | None], Any]:
    """The rows the events were about, by (table name, id), loading each table's at once; a
    subject that no longer exists (or whose table has no model) is left out."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.subject_kind and event.subject_id is not None:
            wanted.setdefault(event.subject_kind, set()).add(event.subject_id)
    found: dict[tuple[str, int | None], Any] = {}
    for kind, ids in wanted.items():
        model = _model_of(kind)
        if model is not None:
            found.update({(kind, row.id): row for row in db.session.scalars(select(model).where(model.id.in_(ids)))})
    return found


def _model_of(table_name: str) -> Any:
    """The model whose __tablename__ (the name without KAIKU_TABLE_PREFIX) is `table_name`."""
    return next(
        (
            mapper.class_
            for mapper in Base.registry.mappers
            if getattr(mapper.class_, "__tablename__", None) == table_name
        ),
        None,
    )


def recorded_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def erase_personal_data(person: User, **_event) -> None:
    """Take the person's name and email address out of recorded values (their invitation, edits
    of their details under any earlier name, lists and texts of addresses). Who did what, and
    when, stays; the person as a subject is shown by their current (erased) name. Runs while the
    person still has their name and email; the erasing service commits."""
    _unquote([person.email, person.name], person_id=person.id)


def erase_guest_address(_sender, *, email: str, **_event) -> None:
    """Take a guest's address out of recorded values; the erasing service commits."""
    _unquote([email])


def _unquote(identity: list[str], person_id: int | None = None) -> None:
    """Blank the values that are one of `identity`, and take it out of longer texts, in every
    event that quotes it; in events about the person, their name and address go whatever they
    were then."""
    about_them = (AuditEvent.subject_kind == User.__tablename__) & (AuditEvent.subject_id == person_id)
    quoting = or_(
        *(
            func.lower(cast(AuditEvent.details, Text)).contains(text.lower(), autoescape=True)
            for text in identity
            if text.strip()
        )
    )
    redact, exact = redactor(identity), {text.strip().lower() for text in identity if text.strip()}
    for event in db.session.scalars(select(AuditEvent).where(or_(about_them, quoting) if person_id else quoting)):
        own = person_id is not None and (event.subject_kind, event.subject_id) == (User.__tablename__, person_id)
        event.details = {
            name: None if own and name in IDENTIFYING_DETAILS else _without(value, exact, redact)
            for name, value in event.details.items()
        }


def _without(value, exact: set[str], redact):
    """The value with the identity taken out: None where it is exactly one of `exact` (folded)."""
    if isinstance(value, list):
        return [item for item in (_without(item, exact, redact) for item in value) if item is not None]
    if isinstance(value, dict):
        return {name: _without(item, exact, redact) for name, item in value.items()}
    if not isinstance(value, str):
        return value
    if value.strip().lower() in exact:
        return None
    return redact(value)
