"""Scheduling live sessions: the sessions list, creating, editing and cancelling sessions
(one or more of a weekly series), their capacity, and messages to their registrants.

The annual meeting's editions are sessions too (app.events.kinds): their edits go through
update_session, so the rules here (the form's version, capacity not below the confirmed
count) hold for them as well.
"""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import User
from ..core.enums import LabelledEnum
from ..core.signals import staff_action_done
from ..core.timeutil import utcnow
from ..curriculum.models import Course
from ..extensions import db
from .kinds import kind_of, listed_kinds
from .models import Registration, RegistrationStatus, TrainingSession
from .notifications import notify_registrant
from .policy import may_see_session
from .seats import ACTIVE, fill_free_seats, registrations_with


class EditConflict(ValueError):
    """Someone else saved the session after this form was opened."""


class CapacityRefused(ValueError):
    """The capacity would be below the number of people already confirmed; the message says so,
    for the capacity field of the session or meeting edition form."""

    def __init__(self, confirmed: int):
        super().__init__(
            _(
                "%(count)d people are already confirmed; cancel registrations first or keep at least that many seats.",
                count=confirmed,
            )
        )
        self.confirmed = confirmed


def change_capacity(session: TrainingSession, capacity: int | None) -> None:
    """The one way a session's (or a meeting edition's) capacity changes; None is no limit.
    Set in the UPDATE that also locks the seat counter, refused with CapacityRefused (and rolled
    back) below the confirmed count, so racing registrations can never leave more confirmed
    people than seats; more seats go to the waiting list at once. The caller commits."""
    if capacity == session.capacity:
        return
    conditions = [TrainingSession.id == session.id]
    if capacity is not None:
        conditions.append(TrainingSession.confirmed_count <= capacity)
    changed = db.session.execute(
        update(TrainingSession)
        .where(*conditions)  # type: ignore[attr-defined]
        .values(capacity=capacity)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        confirmed = db.session.scalar(select(TrainingSession.confirmed_count).where(TrainingSession.id == session.id))
        db.session.rollback()
        raise CapacityRefused(confirmed or 0)
    set_committed_value(session, "capacity", capacity)
    fill_free_seats(session)


# --- the sessions list ---------------------------------------------------------------------------


def upcoming_sessions(person: User | None, include_past_days: int = 0) -> list[TrainingSession]:
    since = utcnow() - timedelta(days=include_past_days)
    sessions = db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.kind.in_(listed_kinds()), TrainingSession.ends_at >= since)
        .order_by(TrainingSession.starts_at)
    )
    return [session for session in sessions if may_see_session(person, session)]


SCHEDULE_FIELDS = ("starts_at", "ends_at", "meeting_url")
WINDOW_FIELDS = ("registration_opens_at", "registration_closes_at")


class SeriesScope(LabelledEnum):
    """The sessions of a weekly series that a change or a cancellation applies to."""

    ONE = "one", _l("Only this session")
    FOLLOWING = "following", _l("This and the later sessions of the series")
    ALL = "all", _l("Every session of the series")


def new_session() -> TrainingSession:
    return TrainingSession(
        uid=f"{uuid.uuid4()}@kaiku-training",
        title={},
        description={},
        joining_instructions={},
        audience_roles=[],
        audience_area_ids=[],
        capacity=20,
    )


def series_occurrences(session: TrainingSession, scope: str = SeriesScope.ONE) -> list[TrainingSession]:
    """The sessions a change to `session` applies to: `session` first, then the other sessions of
    its series that are neither cancelled nor over (those happened as they were), by start."""
    if scope == SeriesScope.ONE or not session.series_key:
        return [session]
    query = select(TrainingSession).where(
        TrainingSession.series_key == session.series_key,
        TrainingSession.id != session.id,
        TrainingSession.cancelled_at.is_(None),
        TrainingSession.ends_at > utcnow(),
    )
    if scope == SeriesScope.FOLLOWING:
        query = query.where(TrainingSession.starts_at > session.starts_at)
    return [session, *db.session.scalars(query.order_by(TrainingSession.starts_at))]


def upcoming_sessions_for_staff() -> list[TrainingSession]:
    """Every session not yet over, cancelled ones too, the soonest first."""
    return list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.kind.in_(listed_kinds()), TrainingSession.ends_at > utcnow())
            .order_by(TrainingSession.starts_at)
        )
    )


def past_sessions_for_staff() -> Select[TrainingSession]:
    """A query of the sessions that are over, the latest first (for paging)."""
    return (
        select(TrainingSession)
        .where(TrainingSession.kind.in_(listed_kinds()), TrainingSession.ends_at <= utcnow())
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
    )


def _moved_window(fields: dict, starts_at: datetime) -> dict:
    """The registration window of `fields` (given for a session starting at fields["starts_at"])
    for a session of the same series starting at `starts_at`: the same time before the start."""
    shift = starts_at - fields["starts_at"]
    return {name: fields[name] and fields[name] + shift for name in WINDOW_FIELDS if name in fields}


def create_sessions(
    template: dict, trainers: list[User], starts: list[tuple[datetime, datetime]], actor: User | None = None
) -> list[TrainingSession]:
    """One session per (start, end): a series shares everything else but each has its own UID,
    and its registration window moves with its start."""
    series_key = uuid.uuid4().hex if len(starts) > 1 else None
    first = {**template, "starts_at": starts[0][0]}
    sessions = []
    for starts_at, ends_at in starts:
        session = new_session()
        for name, value in {**template, **_moved_window(first, starts_at)}.items():
            setattr(session, name, value)
        session.starts_at, session.ends_at, session.series_key = starts_at, ends_at, series_key
        session.trainers = list(trainers)
        db.session.add(session)
        sessions.append(session)
    db.session.flush()
    staff_action_done.send(
        actor,
        action="sessions.scheduled",
        subject=sessions[0],
        details={"sessions": len(sessions), "starts_at": [start for start, _end in starts]},
    )
    db.session.commit()
    return sessions


def update_session(
    session: TrainingSession,
    fields: dict,
    trainers: list[User],
    form_version: int,
    series_times: Sequence[tuple[TrainingSession, datetime, datetime]] = (),
    actor: User | None = None,
) -> None:
    """Save the changes made on a form opened at `form_version`; with `series_times`, the same
    changes go to those other sessions of its series, each at its own (start, end), all in one
    transaction. For each session, a change of time or meeting link raises SEQUENCE and sends
    its confirmed registrants an updated invitation; more seats go to its waiting list; fewer
    seats than confirmed people raise CapacityRefused and change nothing; a form opened before
    someone else saved raises EditConflict and changes nothing."""
    if session.version != form_version:
        db.session.rollback()
        raise EditConflict()
    changes = [(session, dict(fields))] + [
        (occurrence, {**fields, "starts_at": starts_at, "ends_at": ends_at, **_moved_window(fields, starts_at)})
        for occurrence, starts_at, ends_at in series_times
    ]
    rescheduled, capacities = [], []
    for occurrence, occurrence_fields in sorted(changes, key=lambda change: change[0].id):  # one lock order
        if any(
            getattr(occurrence, name) != occurrence_fields[name]
            for name in SCHEDULE_FIELDS
            if name in occurrence_fields
        ):
            rescheduled.append(occurrence)
            occurrence.sequence += 1
        capacities.append((occurrence, occurrence_fields.pop("capacity", occurrence.capacity)))
        for name, value in occurrence_fields.items():
            setattr(occurrence, name, value)
        occurrence.trainers = list(trainers)
        occurrence.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict() from None
    for occurrence, capacity in capacities:  # after the new times, which promotion and offers follow
        change_capacity(occurrence, capacity)
    for occurrence in rescheduled:
        for registration in registrations_with(occurrence, (RegistrationStatus.CONFIRMED,)):
            notify_registrant(registration, "session_updated", method="REQUEST")
    staff_action_done.send(
        actor,
        action=_action_name(session, "changed"),
        subject=session,
        details={"sessions": len(changes), "rescheduled": len(rescheduled)},
    )
    db.session.commit()


def _cancellation_recipients(session: TrainingSession) -> list[Registration]:
    """Everyone a cancellation tells: confirmed, waiting and unconfirmed, if we can still write to them."""
    return [registration for registration in registrations_with(session, ACTIVE) if registration.email]


def people_told_of_cancelling(sessions: list[TrainingSession]) -> int:
    """How many people (distinct addresses) cancelling `sessions` sends an email."""
    return len(
        {
            (registration.email or "").lower()
            for session in sessions
            for registration in _cancellation_recipients(session)
        }
    )


def cancel_session(
    session: TrainingSession, scope: str = SeriesScope.ONE, actor: User | None = None
) -> list[TrainingSession]:
    """Cancel the session, or with `scope` more of its series, for everyone, in one transaction;
    return the sessions cancelled. Each stays in calendars as cancelled, and every registrant is
    told (confirmed ones with METHOD:CANCEL, which removes the invitation)."""
    cancelled = [occurrence for occurrence in series_occurrences(session, scope) if not occurrence.is_cancelled]
    for occurrence in cancelled:
        occurrence.cancelled_at = occurrence.updated_at = utcnow()
        occurrence.sequence += 1
        for registration in _cancellation_recipients(occurrence):
            method = "CANCEL" if registration.status == RegistrationStatus.CONFIRMED else None
            notify_registrant(registration, "session_cancelled", method=method)
    if cancelled:
        staff_action_done.send(
            actor,
            action="session.cancelled",
            subject=session,
            details={"sessions": len(cancelled), "people_told": people_told_of_cancelling(cancelled)},
        )
    db.session.commit()
    return cancelled


def _action_name(session: TrainingSession, verb: str) -> str:
    """How the audit log names a change of a session or of an annual meeting edition."""
    return f"{kind_of(session).audit_noun}.{verb}"


MESSAGED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


def message_registrants(
    session: TrainingSession, subject: str, body: str, sender: User, recipients: list[Registration] | None = None
) -> int:
    """Queue a trainer's or organiser's message, with the sender as Reply-To, to everyone
    confirmed or waiting (or to those of `recipients` who are); return how many."""
    if recipients is None:
        recipients = registrations_with(session, MESSAGED)
    recipients = [
        registration
        for registration in recipients
        if registration.session_id == session.id and registration.status in MESSAGED
    ]
    for registration in recipients:
        notify_registrant(
            registration,
            "organiser_message",
            message_subject=subject,
            message_body=body,
            sender=sender.name,
            reply_to=sender.email,
        )
    staff_action_done.send(
        sender,
        action=_action_name(session, "messaged"),
        subject=session,
        details={"subject": subject, "recipients": len(recipients)},
    )
    db.session.commit()
    return len(recipients)


def sessions_of_course(person: User, *, course: Course, **_event: object) -> list[TrainingSession]:
    """Subscriber of course_sessions_asked: the course's upcoming sessions open to the person."""
    return [
        session for session in upcoming_sessions(person) if session.course_id == course.id and not session.is_cancelled
    ]
