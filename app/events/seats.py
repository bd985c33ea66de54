"""The queue of a session: its seats and its waiting list.

Seats are taken and given back only by single conditional UPDATEs of the session's
confirmed_count (`... WHERE confirmed_count < capacity`), so any number of parallel
registrations can never overbook a session, on PostgreSQL or SQLite. A session without a
capacity (None) has no limit: every registration gets a seat and nobody waits.

Every change to a session's seats or waiting list first locks the session's row (`lock_queue`)
and keeps the lock until its commit, so such changes happen one after another: whoever looks at
the waiting list sees it as committed, a freed seat goes to the first waiting person before any
newcomer can look, and a position quoted in an email is the one that gets committed. Nothing
here commits: the registration and scheduling services that call it do.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from blinker import NamedSignal
from flask import current_app
from sqlalchemy import func, or_, select, update

from ..core.signals import registration_confirmed, registration_promoted, registration_waiting
from ..core.timeutil import utcnow
from ..extensions import db
from .kinds import kind_of
from .links import offer_url
from .models import Registration, RegistrationStatus, TrainingSession
from .notifications import notify_registrant

ACTIVE = (RegistrationStatus.UNCONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)
OFFERS_PER_FREE_SEAT = 3


def lock_queue(session_id: int) -> None:
    """An UPDATE locks the row on PostgreSQL and starts the single write transaction on SQLite."""
    db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session_id)
        .values(confirmed_count=TrainingSession.confirmed_count)
        .execution_options(synchronize_session=False)
    )


def take_seat(session_id: int, newcomer: Registration | None = None) -> bool:
    """Take a free seat in one conditional UPDATE; a newcomer only while nobody else waits."""
    conditions = [
        TrainingSession.id == session_id,
        or_(TrainingSession.capacity.is_(None), TrainingSession.confirmed_count < TrainingSession.capacity),
    ]
    if newcomer is not None:
        conditions.append(
            ~select(Registration.id)
            .where(
                Registration.session_id == session_id,
                Registration.status == RegistrationStatus.WAITING,
                Registration.id != newcomer.id,
            )
            .exists()
        )
    return (
        db.session.execute(  # type: ignore[attr-defined]
            update(TrainingSession)
            .where(*conditions)
            .values(confirmed_count=TrainingSession.confirmed_count + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def give_back_seat(session_id: int) -> None:
    db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session_id, TrainingSession.confirmed_count > 0)
        .values(confirmed_count=TrainingSession.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


def free_seats(session_id: int) -> int | None:
    """How many seats are free as committed (or as locked); None when the session has no limit."""
    capacity, confirmed = db.session.execute(
        select(TrainingSession.capacity, TrainingSession.confirmed_count).where(TrainingSession.id == session_id)
    ).one()
    return None if capacity is None else capacity - confirmed


def waiting_list(session_id: int, limit: int | None = None) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.session_id == session_id, Registration.status == RegistrationStatus.WAITING)
            .order_by(Registration.queue_number)
            .limit(limit)
        )
    )


def registrations_with(session: TrainingSession, statuses: Iterable[str]) -> list[Registration]:
    """The session's registrations in these statuses, in the order they were made."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.session_id == session.id, Registration.status.in_(list(statuses)))
            .order_by(Registration.id)
        )
    )


def invitation_method(registration: Registration) -> str | None:
    """The iTIP method a confirmation carries, as the session's kind says (an annual meeting
    is many programme items, which people add through their personal agenda feed instead)."""
    return kind_of(registration.session).invitation_method


def confirm(registration: Registration, template: str, signal: NamedSignal) -> None:
    """Give the registration the seat it has just taken and email the person the invitation."""
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = utcnow()
    db.session.flush()
    signal.send(registration)
    notify_registrant(registration, template, method=invitation_method(registration))


def _join_waiting_list(registration: Registration) -> None:
    """Under the queue lock: the end of the list, and the email quotes the position committed."""
    waiting, last_number = db.session.execute(
        select(func.count(), func.max(Registration.queue_number)).where(
            Registration.session_id == registration.session_id,
            Registration.status == RegistrationStatus.WAITING,
            Registration.id != registration.id,
        )
    ).one()
    registration.status, registration.queue_number = RegistrationStatus.WAITING, (last_number or 0) + 1
    db.session.flush()
    registration_waiting.send(registration)
    notify_registrant(registration, "registration_waiting", position=waiting + 1)


def place(registration: Registration) -> None:
    """Under the queue lock: a seat if one is free and nobody is waiting for it, else the end
    of the waiting list; the person is emailed either way."""
    if take_seat(registration.session_id, newcomer=registration):
        confirm(registration, "registration_confirmed", registration_confirmed)
    else:
        _join_waiting_list(registration)


def _promotion_cutoff(session: TrainingSession) -> datetime:
    return session.starts_at - timedelta(hours=current_app.config["PROMOTION_CUTOFF_HOURS"])


def fill_free_seats(session: TrainingSession) -> list[Registration]:
    """Under the queue lock: free seats go to the waiting list in its order and each promoted
    person is emailed. Inside the promotion cutoff, when a late seat needs a quick answer, they
    are offered instead to the first OFFERS_PER_FREE_SEAT waiting people per seat, and the first
    to accept gets it. Returns the people promoted."""
    now, promoted = utcnow(), list[Registration]()
    if session.is_cancelled or now >= session.starts_at:
        return promoted
    if now >= _promotion_cutoff(session):
        _offer_free_seats(session)
        return promoted
    while (waiting := waiting_list(session.id, 1)) and take_seat(session.id):
        confirm(waiting[0], "registration_promoted", registration_promoted)
        promoted.append(waiting[0])
    return promoted


def _offer_free_seats(session: TrainingSession) -> None:
    """Email an offer to those of the first waiting people who have not had one; an offer stays
    open as long as the person waits and a seat is free. Without a limit, everyone waiting may
    have one."""
    free = free_seats(session.id)
    if free is not None and free <= 0:
        return
    for registration in waiting_list(session.id, None if free is None else free * OFFERS_PER_FREE_SEAT):
        if registration.offered_at is None:
            registration.offered_at = utcnow()
            notify_registrant(registration, "seat_offered", offer_link=offer_url(registration))
