"""Recording actions and reading them back. Callers hand over plain values: nothing here
reads the request."""
from collections.abc import Mapping

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from ..accounts.models import User
from ..extensions import db
from .models import AuditEvent

# Blueprints (by name, whatever URL prefix they are mounted under) whose successful POSTs and
# downloads are recorded automatically.
AUDITED_BLUEPRINTS = frozenset({"accounts_admin", "curriculum_staff", "events_manage", "meetings_manage", "outbox",
                                "reports"})
# A submitted field whose name contains one of these is never stored: passwords, tokens, and
# typed confirmations (which repeat a person's email address).
SECRET_FIELD_MARKERS = ("password", "token", "confirm")
MAX_VALUE_LENGTH = 200


def record(actor: User | None, action: str, subject: str | None = None, details: dict | None = None) -> AuditEvent:
    """Store one event, timestamped now, and commit."""
    event = AuditEvent(actor_id=actor.id if actor is not None else None, action=action,
                       subject=subject[:MAX_VALUE_LENGTH] if subject else None, details=details or {})
    db.session.add(event)
    db.session.commit()
    return event


def describe_subject(view_args: Mapping | None) -> str | None:
    """The URL arguments that name what was acted on, e.g. "person_id=12"."""
    return ", ".join(f"{name}={value}" for name, value in sorted((view_args or {}).items())) or None


def form_details(form: MultiDict, files: MultiDict) -> dict:
    """Submitted values fit for the log: no secrets, each value cut to MAX_VALUE_LENGTH
    characters, uploaded files by file name only."""
    submitted = list(form.lists()) + [(name, [upload.filename or "" for upload in uploads])
                                      for name, uploads in files.lists()]
    return {name: _shortened(values) for name, values in submitted if not _is_secret(name)}


def _is_secret(field_name: str) -> bool:
    return any(marker in field_name.lower() for marker in SECRET_FIELD_MARKERS)


def _shortened(values: list[str]) -> str | list[str]:
    values = [value[:MAX_VALUE_LENGTH] for value in values]
    return values[0] if len(values) == 1 else values


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


def erase_personal_data(person: User) -> None:
    """Blank the person's name and email address where recorded form values quote them (their
    invitation, edits of their details). Who did what, and when, stays. The caller commits."""
    identity = {person.email.lower(), person.name.strip().lower()}
    quoting = db.session.scalars(select(AuditEvent).where(or_(
        AuditEvent.subject == describe_subject({"person_id": person.id}),
        func.lower(cast(AuditEvent.details, Text)).contains(person.email.lower(), autoescape=True))))
    for event in quoting:
        event.details = {name: _without(value, identity) for name, value in event.details.items()}


def _without(value, identity: set[str]):
    if isinstance(value, list):
        return [_without(item, identity) for item in value]
    return None if isinstance(value, str) and value.strip().lower() in identity else value
