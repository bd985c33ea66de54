"""Registering for a session: signed in or as a guest (with an email confirmation), the
waiting list, late seat offers, and cancelling a registration.

Seats and the waiting list are taken and given back through app.events.seats, under the
session's queue lock; each public function here is one transaction unless its docstring says
its caller commits.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..core.signals import registration_cancelled, registration_promoted
from ..core.timeutil import utcnow
from ..core.urls import absolute_url
from ..extensions import db
from .kinds import listed_kinds
from .links import GUEST_CONFIRMATION_HOURS, guest_confirmation_token
from .models import Registration, RegistrationStatus, TrainingSession
from .notifications import notify_registrant
from .policy import may_see_session
from .seats import (
    ACTIVE,
    confirm,
    fill_free_seats,
    free_seats,
    give_back_seat,
    invitation_method,
    lock_queue,
    place,
    take_seat,
)


class RegistrationRefused(ValueError):
    """The registration cannot be made; the message says why, for the person registering."""


def registration_of(person: User, session: TrainingSession) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.session_id == session.id, Registration.user_id == person.id, Registration.status.in_(ACTIVE)
        )
    )


def registrations_of(person: User) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .join(TrainingSession)
            .where(
                Registration.user_id == person.id,
                Registration.status.in_(ACTIVE),
                TrainingSession.kind.in_(listed_kinds()),
                TrainingSession.ends_at >= utcnow(),
            )
            .order_by(TrainingSession.starts_at)
        )
    )


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.session_id == registration.session_id,
            Registration.status == RegistrationStatus.WAITING,
            Registration.queue_number <= registration.queue_number,
        )
    )


def registration_state(session: TrainingSession, now: datetime | None = None) -> str:
    """open, not_yet_open, closed, started or cancelled."""
    now = now or utcnow()
    if session.is_cancelled:
        return "cancelled"
    if now >= session.starts_at:
        return "started"
    if session.registration_opens_at and now < session.registration_opens_at:
        return "not_yet_open"
    if now >= (session.registration_closes_at or session.starts_at):
        return "closed"
    return "open"


REFUSALS = {
    "cancelled": lambda: _("This session has been cancelled."),
    "started": lambda: _("This session has already started, so registration is closed."),
    "not_yet_open": lambda: _("Registration has not opened yet."),
    "closed": lambda: _("Registration for this session has closed."),
}


def _check_open(session: TrainingSession) -> None:
    state = registration_state(session)
    if state != "open":
        raise RegistrationRefused(REFUSALS[state]())


# --- registering --------------------------------------------------------------------------------


def _insert(registration: Registration) -> None:
    """Insert, refusing a second active registration by the same person or email."""
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        db.session.rollback()
        raise RegistrationRefused(_("You are already registered for this session.")) from None


def register_person(session: TrainingSession, person: User, locale: str, *, commit: bool = True) -> Registration:
    """Register a signed-in person: confirmed while seats last and nobody waits, else at the end
    of the waiting list; the email quotes the committed position. With commit=False the caller
    adds to the registration (a meeting's answers) and commits it all at once."""
    _check_open(session)
    if not may_see_session(person, session):
        raise RegistrationRefused(
            _("This session is not open to you. Contact the support service if you think it should be.")
        )
    if registration_of(person, session) is not None:
        raise RegistrationRefused(_("You are already registered for this session."))
    lock_queue(session.id)
    registration = Registration(
        session_id=session.id, user_id=person.id, locale=person.locale or locale, status=RegistrationStatus.WAITING
    )
    _insert(registration)
    place(registration)
    if commit:
        db.session.commit()
    return registration


def _unconfirmed_lapse_before(now: datetime) -> datetime:
    """An unconfirmed registration whose last confirmation link was sent at or before this has lapsed."""
    return now - timedelta(hours=GUEST_CONFIRMATION_HOURS)


def _lapse_unconfirmed(*conditions: ColumnElement[bool]) -> int:
    """Unconfirmed registrations whose confirmation link has expired end: they no longer hold
    the address, and their link says so."""
    now = utcnow()
    return db.session.execute(
        update(Registration)
        .where(
            Registration.status == RegistrationStatus.UNCONFIRMED,
            Registration.confirmation_sent_at <= _unconfirmed_lapse_before(now),
            *conditions,
        )
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]


def lapse_unconfirmed_registrations() -> int:
    """End every unconfirmed registration whose confirmation link has expired; return how many."""
    lapsed = _lapse_unconfirmed()
    db.session.commit()
    return lapsed


def confirmation_lapsed(registration: Registration) -> bool:
    """Whether the registration's confirmation link no longer works: it has expired, or the
    registration has ended."""
    if registration.status == RegistrationStatus.CANCELLED:
        return True
    sent_at = registration.confirmation_sent_at or registration.created_at
    return registration.status == RegistrationStatus.UNCONFIRMED and sent_at <= _unconfirmed_lapse_before(utcnow())


def _send_confirmation(registration: Registration) -> None:
    """Anyone can type any address here: it counts toward the address's hourly limit, and over
    it nothing is sent (the registration stays; the guest can ask for the link again later)."""
    registration.confirmation_sent_at = utcnow()
    db.session.flush()
    notify_registrant(
        registration,
        "guest_confirm",
        requested=True,
        confirm_link=absolute_url("events.confirm_guest", token=guest_confirmation_token(registration)),
        valid_hours=GUEST_CONFIRMATION_HOURS,
    )


def _active_guest_registration(session: TrainingSession, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.session_id == session.id, Registration.guest_email == email, Registration.status.in_(ACTIVE)
        )
    )


def register_guest(
    session: TrainingSession, *, name: str, email: str, organisation: str, area: str, locale: str, commit: bool = True
) -> Registration:
    """A guest's registration waits for the email confirmation link before it takes a seat; an
    earlier registration of the address that lapsed unconfirmed no longer counts. commit=False
    as for register_person."""
    _check_open(session)
    if not session.open_to_guests:
        raise RegistrationRefused(_("This session is open only to signed-in participants."))
    email = email.strip().lower()
    _lapse_unconfirmed(Registration.session_id == session.id, Registration.guest_email == email)
    if _active_guest_registration(session, email):
        db.session.rollback()
        raise RegistrationRefused(_("This email address is already registered for this session."))
    registration = Registration(
        session_id=session.id,
        guest_name=name.strip(),
        guest_email=email,
        guest_organisation=organisation.strip() or None,
        guest_area=area.strip() or None,
        locale=locale,
        status=RegistrationStatus.UNCONFIRMED,
    )
    _insert(registration)
    _send_confirmation(registration)
    if commit:
        db.session.commit()
    return registration


def resend_guest_confirmation(session: TrainingSession, email: str) -> None:
    """Send the confirmation link again if the address has a registration for the session
    waiting for it; otherwise do nothing, so that the answer tells nobody who has registered."""
    registration = _active_guest_registration(session, email.strip().lower())
    if (
        registration is not None
        and registration.status == RegistrationStatus.UNCONFIRMED
        and not confirmation_lapsed(registration)
    ):
        _send_confirmation(registration)
        db.session.commit()


def confirm_guest(registration: Registration) -> Registration:
    """The guest clicked the link in time: take a seat or a place at the end of the waiting
    list (once; later clicks change nothing)."""
    if registration.status != RegistrationStatus.UNCONFIRMED or confirmation_lapsed(registration):
        return registration
    _check_open(registration.session)
    lock_queue(registration.session_id)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.UNCONFIRMED:
        place(registration)
    db.session.commit()
    return registration


def _cancel(registration: Registration) -> bool:
    """Cancel under the queue lock; a freed seat goes to the waiting list in the same
    transaction. The caller commits. False if it was already cancelled."""
    lock_queue(registration.session_id)
    db.session.refresh(registration)
    previous = registration.status
    if previous == RegistrationStatus.CANCELLED:
        return False
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, utcnow()
    db.session.flush()
    registration_cancelled.send(registration, previous_status=previous)
    if previous == RegistrationStatus.CONFIRMED:
        give_back_seat(registration.session_id)
        notify_registrant(
            registration, "registration_cancelled", method="CANCEL" if invitation_method(registration) else None
        )
    fill_free_seats(registration.session)  # inside the cutoff, whoever moved up may get an offer
    return True


def cancel_registration(registration: Registration) -> None:
    """Cancel; a freed seat goes to the first person on the waiting list in the same transaction."""
    _cancel(registration)
    db.session.commit()


def leave_upcoming_sessions(person: User, **_details: object) -> None:
    """Subscriber to person_deactivated: the person leaves every waiting list and registration
    of sessions not yet started, and their seats are passed on. The deactivating service commits."""
    cancel_each(
        db.session.scalars(
            select(Registration)
            .join(TrainingSession)
            .where(
                Registration.user_id == person.id, Registration.status.in_(ACTIVE), TrainingSession.starts_at > utcnow()
            )
        )
    )


def cancel_each(registrations: Iterable[Registration]) -> None:
    """Cancel each registration, taking the sessions' queue locks in one order (by session id),
    the order every transaction that takes several follows. The caller commits."""
    for registration in sorted(registrations, key=lambda registration: registration.session_id):
        _cancel(registration)


def offer_state(registration: Registration) -> str | None:
    """A late seat offer to this registration: open, taken (no seat left), accepted, lapsed
    (the person left or the session began), or None when none was made."""
    if registration.offered_at is None:
        return None
    if registration.status == RegistrationStatus.CONFIRMED:
        return "accepted"
    session = registration.session
    if registration.status != RegistrationStatus.WAITING or session.is_cancelled or utcnow() >= session.starts_at:
        return "lapsed"
    free = free_seats(session.id)
    return "open" if free is None or free > 0 else "taken"


OFFER_REFUSALS = {
    "taken": lambda: _("Someone else took the seat first. You are still on the waiting list."),
    "lapsed": lambda: _("This offer has lapsed."),
    None: lambda: _("There is no seat on offer to you."),
}


def accept_offer(registration: Registration) -> Registration:
    """The first of those offered a late seat to accept gets it; RegistrationRefused says why
    the others do not."""
    lock_queue(registration.session_id)
    db.session.refresh(registration)
    state = offer_state(registration)
    if state == "open" and take_seat(registration.session_id):
        confirm(registration, "registration_promoted", registration_promoted)
        db.session.commit()
        return registration
    db.session.rollback()
    if state == "accepted":
        return registration
    raise RegistrationRefused(OFFER_REFUSALS.get(state, OFFER_REFUSALS["taken"])())
