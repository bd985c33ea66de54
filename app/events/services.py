"""Live sessions: scheduling, registration with capacity and a waiting list, promotion,
attendance and reminders.

Seats are taken and given back only by single conditional UPDATEs of the session's
confirmed_count (`... WHERE confirmed_count < capacity`), so any number of parallel
registrations can never overbook a session, on PostgreSQL or SQLite; and every change to a
session's seats or waiting list holds the session's row lock until it commits (see the queue
section), so the waiting list is served strictly in order.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import User
from ..core.collation import finnish_key
from ..core.enums import LabelledEnum
from ..core.signals import (attendance_marked, guest_erased, guest_erasing, registration_cancelled,
                            registration_confirmed, registration_promoted, registration_waiting, staff_action_done)
from ..core.timeutil import utcnow
from ..core.urls import absolute_url
from ..extensions import db
from .links import GUEST_CONFIRMATION_HOURS, guest_confirmation_token, offer_url
from .models import ANNUAL_MEETING, SESSION, Attendance, Registration, RegistrationStatus, ReminderSent, TrainingSession
from .notifications import notify_registrant

ACTIVE = (RegistrationStatus.UNCONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


class RegistrationRefused(ValueError):
    """The registration cannot be made; the message says why, for the person registering."""


class EditConflict(ValueError):
    """Someone else saved the session after this form was opened."""


class AttendanceRefused(ValueError):
    """Attendance cannot be marked now; the message says why, for the organiser."""


# --- who may see and register ------------------------------------------------------------------

def may_see_session(person: User | None, session: TrainingSession) -> bool:
    """Whether the person may see the session (its page, its place in lists and feeds) and
    register for it: sessions open to guests are public, others for the people they are meant for."""
    if session.open_to_guests:
        return True
    if person is None or not person.is_authenticated:
        return False
    if person.is_staff:
        return True
    roles_ok = not session.audience_roles or person.has_role(*session.audience_roles)
    areas_ok = not session.audience_area_ids or person.area_id in session.audience_area_ids
    return roles_ok and areas_ok


def upcoming_sessions(person: User | None, include_past_days: int = 0) -> list[TrainingSession]:
    since = utcnow() - timedelta(days=include_past_days)
    sessions = db.session.scalars(select(TrainingSession).where(
        TrainingSession.kind == SESSION, TrainingSession.ends_at >= since).order_by(TrainingSession.starts_at))
    return [session for session in sessions if may_see_session(person, session)]


def registration_of(person: User, session: TrainingSession) -> Registration | None:
    return db.session.scalar(select(Registration).where(
        Registration.session_id == session.id, Registration.user_id == person.id,
        Registration.status.in_(ACTIVE)))


def registrations_of(person: User) -> list[Registration]:
    return list(db.session.scalars(select(Registration).join(TrainingSession).where(
        Registration.user_id == person.id, Registration.status.in_(ACTIVE), TrainingSession.kind == SESSION,
        TrainingSession.ends_at >= utcnow()).order_by(TrainingSession.starts_at)))


def waiting_position(registration: Registration) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if registration.status != RegistrationStatus.WAITING:
        return None
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.session_id == registration.session_id, Registration.status == RegistrationStatus.WAITING,
        Registration.queue_number <= registration.queue_number))


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


# --- the queue: seats and the waiting list -------------------------------------------------------
#
# Every change to a session's seats or waiting list first locks the session's row (`_lock_queue`)
# and keeps the lock until its commit, so such changes happen one after another: whoever looks at
# the waiting list sees it as committed, a freed seat goes to the first waiting person before any
# newcomer can look, and a position quoted in an email is the one that gets committed.

def _lock_queue(session_id: int) -> None:
    """An UPDATE locks the row on PostgreSQL and starts the single write transaction on SQLite."""
    db.session.execute(update(TrainingSession).where(TrainingSession.id == session_id)
                       .values(confirmed_count=TrainingSession.confirmed_count)
                       .execution_options(synchronize_session=False))


def _take_seat(session_id: int, newcomer: Registration | None = None) -> bool:
    """Take a free seat in one conditional UPDATE; a newcomer only while nobody else waits."""
    conditions = [TrainingSession.id == session_id, TrainingSession.confirmed_count < TrainingSession.capacity]
    if newcomer is not None:
        conditions.append(~select(Registration.id).where(
            Registration.session_id == session_id, Registration.status == RegistrationStatus.WAITING,
            Registration.id != newcomer.id).exists())
    return db.session.execute(
        update(TrainingSession).where(*conditions)
        .values(confirmed_count=TrainingSession.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def _give_back_seat(session_id: int) -> None:
    db.session.execute(
        update(TrainingSession).where(TrainingSession.id == session_id, TrainingSession.confirmed_count > 0)
        .values(confirmed_count=TrainingSession.confirmed_count - 1).execution_options(synchronize_session=False))


def _free_seats(session_id: int) -> int:
    return db.session.scalar(select(TrainingSession.capacity - TrainingSession.confirmed_count)
                             .where(TrainingSession.id == session_id))


def _waiting_list(session_id: int, limit: int | None = None) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(
        Registration.session_id == session_id, Registration.status == RegistrationStatus.WAITING)
        .order_by(Registration.queue_number).limit(limit)))


def invitation_method(registration: Registration) -> str | None:
    """Sessions send an iTIP invitation; an annual meeting is many programme items, which
    people add through their personal agenda feed instead."""
    return "REQUEST" if registration.session.kind == SESSION else None


def _confirm(registration: Registration, template: str, signal) -> None:
    """Give the registration the seat it has just taken and email the person the invitation."""
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = utcnow()
    db.session.flush()
    signal.send(registration)
    notify_registrant(registration, template, method=invitation_method(registration))


def _join_waiting_list(registration: Registration) -> None:
    """Under the queue lock: the end of the list, and the email quotes the position committed."""
    waiting, last_number = db.session.execute(select(func.count(), func.max(Registration.queue_number)).where(
        Registration.session_id == registration.session_id, Registration.status == RegistrationStatus.WAITING,
        Registration.id != registration.id)).one()
    registration.status, registration.queue_number = RegistrationStatus.WAITING, (last_number or 0) + 1
    db.session.flush()
    registration_waiting.send(registration)
    notify_registrant(registration, "registration_waiting", position=waiting + 1)


def _place(registration: Registration) -> None:
    """Under the queue lock: a seat if one is free and nobody is waiting for it, else the end
    of the waiting list; the person is emailed either way."""
    if _take_seat(registration.session_id, newcomer=registration):
        _confirm(registration, "registration_confirmed", registration_confirmed)
    else:
        _join_waiting_list(registration)


def _promotion_cutoff(session: TrainingSession) -> datetime:
    return session.starts_at - timedelta(hours=current_app.config["PROMOTION_CUTOFF_HOURS"])


def _fill_free_seats(session: TrainingSession) -> list[Registration]:
    """Under the queue lock: free seats go to the waiting list in its order and each promoted
    person is emailed. Inside the promotion cutoff, when a late seat needs a quick answer, they
    are offered instead to the first OFFERS_PER_FREE_SEAT waiting people per seat, and the first
    to accept gets it. Returns the people promoted."""
    now, promoted = utcnow(), []
    if session.is_cancelled or now >= session.starts_at:
        return promoted
    if now >= _promotion_cutoff(session):
        _offer_free_seats(session)
        return promoted
    while (waiting := _waiting_list(session.id, 1)) and _take_seat(session.id):
        _confirm(waiting[0], "registration_promoted", registration_promoted)
        promoted.append(waiting[0])
    return promoted


OFFERS_PER_FREE_SEAT = 3


def _offer_free_seats(session: TrainingSession) -> None:
    """Email an offer to those of the first waiting people who have not had one; an offer stays
    open as long as the person waits and a seat is free."""
    free = _free_seats(session.id)
    if free <= 0:
        return
    for registration in _waiting_list(session.id, free * OFFERS_PER_FREE_SEAT):
        if registration.offered_at is None:
            registration.offered_at = utcnow()
            notify_registrant(registration, "seat_offered", offer_link=offer_url(registration))


# --- registering --------------------------------------------------------------------------------

def _insert(registration: Registration) -> None:
    """Insert, refusing a second active registration by the same person or email."""
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        db.session.rollback()
        raise RegistrationRefused(_("You are already registered for this session."))


def register_person(session: TrainingSession, person: User, locale: str, *, commit: bool = True) -> Registration:
    """Register a signed-in person: confirmed while seats last and nobody waits, else at the end
    of the waiting list; the email quotes the committed position. With commit=False the caller
    adds to the registration (a meeting's answers) and commits it all at once."""
    _check_open(session)
    if not may_see_session(person, session):
        raise RegistrationRefused(_("This session is not open to you. Contact the support service if you think it should be."))
    if registration_of(person, session) is not None:
        raise RegistrationRefused(_("You are already registered for this session."))
    _lock_queue(session.id)
    registration = Registration(session_id=session.id, user_id=person.id, locale=person.locale or locale,
                                status=RegistrationStatus.WAITING)
    _insert(registration)
    _place(registration)
    if commit:
        db.session.commit()
    return registration


def _unconfirmed_lapse_before(now: datetime) -> datetime:
    """An unconfirmed registration whose last confirmation link was sent at or before this has lapsed."""
    return now - timedelta(hours=GUEST_CONFIRMATION_HOURS)


def _lapse_unconfirmed(*conditions) -> int:
    """Unconfirmed registrations whose confirmation link has expired end: they no longer hold
    the address, and their link says so."""
    now = utcnow()
    return db.session.execute(
        update(Registration).where(
            Registration.status == RegistrationStatus.UNCONFIRMED,
            Registration.confirmation_sent_at <= _unconfirmed_lapse_before(now), *conditions)
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)).rowcount


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
    notify_registrant(registration, "guest_confirm", requested=True,
                      confirm_link=absolute_url("events.confirm_guest", token=guest_confirmation_token(registration)),
                      valid_hours=GUEST_CONFIRMATION_HOURS)


def _active_guest_registration(session: TrainingSession, email: str) -> Registration | None:
    return db.session.scalar(select(Registration).where(
        Registration.session_id == session.id, Registration.guest_email == email, Registration.status.in_(ACTIVE)))


def register_guest(session: TrainingSession, *, name: str, email: str, organisation: str, area: str,
                   locale: str, commit: bool = True) -> Registration:
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
    registration = Registration(session_id=session.id, guest_name=name.strip(), guest_email=email,
                                guest_organisation=organisation.strip() or None, guest_area=area.strip() or None,
                                locale=locale, status=RegistrationStatus.UNCONFIRMED)
    _insert(registration)
    _send_confirmation(registration)
    if commit:
        db.session.commit()
    return registration


def resend_guest_confirmation(session: TrainingSession, email: str) -> None:
    """Send the confirmation link again if the address has a registration for the session
    waiting for it; otherwise do nothing, so that the answer tells nobody who has registered."""
    registration = _active_guest_registration(session, email.strip().lower())
    if registration is not None and registration.status == RegistrationStatus.UNCONFIRMED \
            and not confirmation_lapsed(registration):
        _send_confirmation(registration)
        db.session.commit()


def confirm_guest(registration: Registration) -> Registration:
    """The guest clicked the link in time: take a seat or a place at the end of the waiting
    list (once; later clicks change nothing)."""
    if registration.status != RegistrationStatus.UNCONFIRMED or confirmation_lapsed(registration):
        return registration
    _check_open(registration.session)
    _lock_queue(registration.session_id)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.UNCONFIRMED:
        _place(registration)
    db.session.commit()
    return registration


def _cancel(registration: Registration) -> bool:
    """Cancel under the queue lock; a freed seat goes to the waiting list in the same
    transaction. The caller commits. False if it was already cancelled."""
    _lock_queue(registration.session_id)
    db.session.refresh(registration)
    previous = registration.status
    if previous == RegistrationStatus.CANCELLED:
        return False
    registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, utcnow()
    db.session.flush()
    registration_cancelled.send(registration, previous_status=previous)
    if previous == RegistrationStatus.CONFIRMED:
        _give_back_seat(registration.session_id)
        notify_registrant(registration, "registration_cancelled",
                          method="CANCEL" if invitation_method(registration) else None)
    _fill_free_seats(registration.session)  # inside the cutoff, whoever moved up may get an offer
    return True


def cancel_registration(registration: Registration) -> None:
    """Cancel; a freed seat goes to the first person on the waiting list in the same transaction."""
    _cancel(registration)
    db.session.commit()


def leave_upcoming_sessions(person: User, **_details) -> None:
    """Subscriber to person_deactivated: the person leaves every waiting list and registration
    of sessions not yet started, and their seats are passed on. The deactivating service commits."""
    _cancel_all(db.session.scalars(select(Registration).join(TrainingSession).where(
        Registration.user_id == person.id, Registration.status.in_(ACTIVE), TrainingSession.starts_at > utcnow())))


def _cancel_all(registrations) -> None:
    """Cancel each registration, taking the sessions' queue locks in one order (by session id),
    the order every transaction that takes several follows."""
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
    return "open" if _free_seats(session.id) > 0 else "taken"


OFFER_REFUSALS = {
    "taken": lambda: _("Someone else took the seat first. You are still on the waiting list."),
    "lapsed": lambda: _("This offer has lapsed."),
    None: lambda: _("There is no seat on offer to you."),
}


def accept_offer(registration: Registration) -> Registration:
    """The first of those offered a late seat to accept gets it; RegistrationRefused says why
    the others do not."""
    _lock_queue(registration.session_id)
    db.session.refresh(registration)
    state = offer_state(registration)
    if state == "open" and _take_seat(registration.session_id):
        _confirm(registration, "registration_promoted", registration_promoted)
        db.session.commit()
        return registration
    db.session.rollback()
    if state == "accepted":
        return registration
    raise RegistrationRefused(OFFER_REFUSALS.get(state, OFFER_REFUSALS["taken"])())


class CapacityRefused(ValueError):
    """The capacity would be below the number of people already confirmed; the message says so,
    for the capacity field of the session or meeting edition form."""

    def __init__(self, confirmed: int):
        super().__init__(_("%(count)d people are already confirmed; cancel registrations first or keep at least "
                           "that many seats.", count=confirmed))
        self.confirmed = confirmed


def _change_capacity(session: TrainingSession, capacity: int) -> None:
    """Set the capacity in the UPDATE that also locks the seat counter, refused (and rolled back)
    below the confirmed count, so racing registrations can never leave more confirmed people
    than seats; more seats go to the waiting list at once."""
    if capacity == session.capacity:
        return
    changed = db.session.execute(update(TrainingSession).where(
        TrainingSession.id == session.id, TrainingSession.confirmed_count <= capacity)
        .values(capacity=capacity).execution_options(synchronize_session=False)).rowcount
    if not changed:
        confirmed = db.session.scalar(select(TrainingSession.confirmed_count).where(TrainingSession.id == session.id))
        db.session.rollback()
        raise CapacityRefused(confirmed)
    set_committed_value(session, "capacity", capacity)
    _fill_free_seats(session)


# --- scheduling ----------------------------------------------------------------------------------

SCHEDULE_FIELDS = ("starts_at", "ends_at", "meeting_url")
WINDOW_FIELDS = ("registration_opens_at", "registration_closes_at")


class SeriesScope(LabelledEnum):
    """The sessions of a weekly series that a change or a cancellation applies to."""
    ONE = "one", _l("Only this session")
    FOLLOWING = "following", _l("This and the later sessions of the series")
    ALL = "all", _l("Every session of the series")


def new_session() -> TrainingSession:
    return TrainingSession(uid=f"{uuid.uuid4()}@kaiku-training", title={}, description={},
                           joining_instructions={}, audience_roles=[], audience_area_ids=[], capacity=20)


def series_occurrences(session: TrainingSession, scope: str = SeriesScope.ONE) -> list[TrainingSession]:
    """The sessions a change to `session` applies to: `session` first, then the other sessions of
    its series that are neither cancelled nor over (those happened as they were), by start."""
    if scope == SeriesScope.ONE or not session.series_key:
        return [session]
    query = select(TrainingSession).where(
        TrainingSession.series_key == session.series_key, TrainingSession.id != session.id,
        TrainingSession.cancelled_at.is_(None), TrainingSession.ends_at > utcnow())
    if scope == SeriesScope.FOLLOWING:
        query = query.where(TrainingSession.starts_at > session.starts_at)
    return [session, *db.session.scalars(query.order_by(TrainingSession.starts_at))]


def upcoming_sessions_for_staff() -> list[TrainingSession]:
    """Every session not yet over, cancelled ones too, the soonest first."""
    return list(db.session.scalars(select(TrainingSession).where(
        TrainingSession.kind == SESSION, TrainingSession.ends_at > utcnow()).order_by(TrainingSession.starts_at)))


def past_sessions_for_staff():
    """A query of the sessions that are over, the latest first (for paging)."""
    return select(TrainingSession).where(TrainingSession.kind == SESSION, TrainingSession.ends_at <= utcnow()
                                         ).order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())


def _moved_window(fields: dict, starts_at: datetime) -> dict:
    """The registration window of `fields` (given for a session starting at fields["starts_at"])
    for a session of the same series starting at `starts_at`: the same time before the start."""
    shift = starts_at - fields["starts_at"]
    return {name: fields[name] and fields[name] + shift for name in WINDOW_FIELDS if name in fields}


def create_sessions(template: dict, trainers: list[User], starts: list[tuple[datetime, datetime]],
                    actor: User | None = None) -> list[TrainingSession]:
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
    staff_action_done.send(actor, action="sessions.scheduled", subject=sessions[0],
                           details={"sessions": len(sessions), "starts_at": [start for start, _end in starts]})
    db.session.commit()
    return sessions


def update_session(session: TrainingSession, fields: dict, trainers: list[User], form_version: int,
                   series_times: list[tuple[TrainingSession, datetime, datetime]] = (), actor: User | None = None) -> None:
    """Save the changes made on a form opened at `form_version`; with `series_times`, the same
    changes go to those other sessions of its series, each at its own (start, end), all in one
    transaction. For each session, a change of time or meeting link raises SEQUENCE and sends
    its confirmed registrants an updated invitation; more seats go to its waiting list; fewer
    seats than confirmed people raise CapacityRefused and change nothing."""
    if session.version != form_version:
        raise EditConflict()
    changes = [(session, dict(fields))] + [
        (occurrence, {**fields, "starts_at": starts_at, "ends_at": ends_at, **_moved_window(fields, starts_at)})
        for occurrence, starts_at, ends_at in series_times]
    rescheduled, capacities = [], []
    for occurrence, occurrence_fields in sorted(changes, key=lambda change: change[0].id):  # one lock order
        if any(getattr(occurrence, name) != occurrence_fields[name] for name in SCHEDULE_FIELDS if name in occurrence_fields):
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
        raise EditConflict()
    for occurrence, capacity in capacities:  # after the new times, which promotion and offers follow
        _change_capacity(occurrence, capacity)
    for occurrence in rescheduled:
        for registration in _registrations(occurrence, (RegistrationStatus.CONFIRMED,)):
            notify_registrant(registration, "session_updated", method="REQUEST")
    staff_action_done.send(actor, action=_action_name(session, "changed"), subject=session,
                           details={"sessions": len(changes), "rescheduled": len(rescheduled)})
    db.session.commit()


def _cancellation_recipients(session: TrainingSession) -> list[Registration]:
    """Everyone a cancellation tells: confirmed, waiting and unconfirmed, if we can still write to them."""
    return [registration for registration in _registrations(session, ACTIVE) if registration.email]


def people_told_of_cancelling(sessions: list[TrainingSession]) -> int:
    """How many people (distinct addresses) cancelling `sessions` sends an email."""
    return len({registration.email.lower() for session in sessions for registration in _cancellation_recipients(session)})


def cancel_session(session: TrainingSession, scope: str = SeriesScope.ONE,
                   actor: User | None = None) -> list[TrainingSession]:
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
        staff_action_done.send(actor, action="session.cancelled", subject=session, details={
            "sessions": len(cancelled), "people_told": people_told_of_cancelling(cancelled)})
    db.session.commit()
    return cancelled


def _action_name(session: TrainingSession, verb: str) -> str:
    """How the audit log names a change of a session or of an annual meeting edition."""
    return f"{'edition' if session.kind == ANNUAL_MEETING else 'session'}.{verb}"


def _registrations(session: TrainingSession, statuses) -> list[Registration]:
    return list(db.session.scalars(select(Registration).where(
        Registration.session_id == session.id, Registration.status.in_(statuses)).order_by(Registration.id)))


# --- joining ----------------------------------------------------------------------------------------

def join_opens_before() -> timedelta:
    return timedelta(minutes=current_app.config["JOIN_OPENS_MINUTES_BEFORE"])


def record_join(registration: Registration) -> None:
    """Remember the first use of the join link: organisers see it on the roster. At an annual
    meeting, joining records attendance (organisers can still correct it on the roster), which
    is announced like attendance marked on the roster."""
    if registration.first_joined_at is not None:
        return
    registration.first_joined_at = utcnow()
    if registration.session.kind == ANNUAL_MEETING and registration.attendance is None:
        _mark(registration, Attendance.ATTENDED, actor=registration.user)
    db.session.commit()


MESSAGED = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


def message_registrants(session: TrainingSession, subject: str, body: str, sender: User,
                        recipients: list[Registration] | None = None) -> int:
    """Queue a trainer's or organiser's message, with the sender as Reply-To, to everyone
    confirmed or waiting (or to those of `recipients` who are); return how many."""
    if recipients is None:
        recipients = _registrations(session, MESSAGED)
    recipients = [registration for registration in recipients
                  if registration.session_id == session.id and registration.status in MESSAGED]
    for registration in recipients:
        notify_registrant(registration, "organiser_message", message_subject=subject, message_body=body,
                          sender=sender.name, reply_to=sender.email)
    staff_action_done.send(sender, action=_action_name(session, "messaged"), subject=session,
                           details={"subject": subject, "recipients": len(recipients)})
    db.session.commit()
    return len(recipients)


# --- roster and attendance --------------------------------------------------------------------------

@dataclass
class RosterRow:
    registration: Registration
    position: int | None


def roster(session: TrainingSession) -> list[RosterRow]:
    """Confirmed first, then the waiting list in order, then unconfirmed and cancelled; within
    each group but the waiting list, by name in the Finnish order."""
    order = {RegistrationStatus.CONFIRMED: 0, RegistrationStatus.WAITING: 1,
             RegistrationStatus.UNCONFIRMED: 2, RegistrationStatus.CANCELLED: 3}
    rows, waiting = [], 0
    for registration in sorted(_registrations(session, list(RegistrationStatus)),
                               key=lambda r: (order[r.status], r.queue_number or 0 if r.status == RegistrationStatus.WAITING else 0,
                                              finnish_key(r.name), r.id)):
        if registration.status == RegistrationStatus.WAITING:
            waiting += 1
        rows.append(RosterRow(registration, waiting if registration.status == RegistrationStatus.WAITING else None))
    return rows


def set_attendance(session: TrainingSession, marks: dict[int, str | None], actor: User | None = None) -> int:
    """Record attended / no-show for confirmed registrants by registration id (any other value
    clears the mark); return how many changed. Refused before the session has started."""
    if utcnow() < session.starts_at:
        raise AttendanceRefused(_("Attendance can be marked once the session has started."))
    changed = 0
    for registration in _registrations(session, (RegistrationStatus.CONFIRMED,)):
        mark = marks.get(registration.id)
        mark = mark if mark in set(Attendance) else None
        if registration.id in marks and registration.attendance != mark:
            _mark(registration, mark, actor)
            changed += 1
    if changed:
        staff_action_done.send(actor, action="attendance.marked", subject=session, details={"changed": changed})
    db.session.commit()
    return changed


def _mark(registration: Registration, mark: str | None, actor: User | None) -> None:
    previous, registration.attendance = registration.attendance, mark
    db.session.flush()
    attendance_marked.send(registration, previous=previous, actor=actor)


def attended_live_session(person: User, *, course, **_event) -> bool:
    """Subscriber of live_session_attendance_asked: whether the person attended a session of
    the course (which satisfies its live-session step)."""
    return db.session.scalar(select(func.count()).select_from(Registration).join(TrainingSession).where(
        Registration.user_id == person.id, TrainingSession.course_id == course.id,
        Registration.attendance == Attendance.ATTENDED)) > 0


def sessions_of_course(person: User, *, course, **_event) -> list[TrainingSession]:
    """Subscriber of course_sessions_asked: the course's upcoming sessions open to the person."""
    return [session for session in upcoming_sessions(person)
            if session.course_id == course.id and not session.is_cancelled]


# --- reminders -----------------------------------------------------------------------------------------

def send_due_reminders(now: datetime | None = None) -> int:
    """Queue one reminder per confirmed registrant whose session starts within one of the
    REMINDER_OFFSETS_MINUTES. Each offset is recorded when passed, so a reminder is never sent
    twice, and someone who registers late gets only the nearest one."""
    now = now or utcnow()
    offsets = sorted(current_app.config["REMINDER_OFFSETS_MINUTES"])
    if not offsets:
        return 0
    horizon = now + timedelta(minutes=offsets[-1])
    candidates = db.session.scalars(select(Registration).join(TrainingSession).where(
        Registration.status == RegistrationStatus.CONFIRMED, TrainingSession.cancelled_at.is_(None),
        and_(TrainingSession.starts_at > now, TrainingSession.starts_at <= horizon)))
    queued = 0
    for registration in candidates:
        minutes_left = (registration.session.starts_at - now).total_seconds() / 60
        passed = [offset for offset in offsets if minutes_left <= offset]
        done = set(db.session.scalars(select(ReminderSent.minutes_before).where(
            ReminderSent.registration_id == registration.id)))
        if min(passed) in done:
            continue
        try:
            with db.session.begin_nested():
                for offset in set(passed) - done:
                    db.session.add(ReminderSent(registration_id=registration.id, minutes_before=offset))
        except IntegrityError:  # another run got here first
            continue
        notify_registrant(registration, "session_reminder")
        db.session.commit()
        queued += 1
    return queued


# --- personal data -------------------------------------------------------------------------------------

def registrations_made_by(person: User) -> list[Registration]:
    """Every registration the person made: signed in, or as a guest with their email address."""
    return list(db.session.scalars(select(Registration).where(or_(
        Registration.user_id == person.id, Registration.guest_email == person.email)).order_by(Registration.id)))


def personal_data(person: User) -> dict:
    """The person's registrations for their data download, with what they typed in as a guest."""
    return {"registrations": [_registration_data(registration) for registration in registrations_made_by(person)]}


def _registration_data(registration: Registration) -> dict:
    session = registration.session
    data = {"kind": session.kind, "title": session.title_in(registration.locale), "starts_at": session.starts_at,
            "ends_at": session.ends_at, "status": registration.status, "attendance": registration.attendance,
            "registered_at": registration.created_at, "confirmed_at": registration.confirmed_at,
            "cancelled_at": registration.cancelled_at, "first_joined_at": registration.first_joined_at,
            "locale": registration.locale}
    if registration.user_id is None:
        data["as_guest"] = {"name": registration.guest_name, "email": registration.guest_email,
                            "organisation": registration.guest_organisation, "area": registration.guest_area}
    return data


def cancel_registrations_of_erased(person: User, **_event) -> None:
    """Subscriber of person_erasing: cancel the person's registrations for sessions that have not ended."""
    _cancel_upcoming(registrations_made_by(person))


def _cancel_upcoming(registrations: list[Registration]) -> None:
    """Cancel an erased person's or guest's registrations for sessions that have not ended
    (nobody could reach them any more; their seats go to the waiting list). Past ones keep their
    status and attendance, so the figures of sessions held stay the same."""
    _cancel_all(registration for registration in registrations
                if registration.is_active and registration.session.ends_at > utcnow())


def guest_registrations(email: str) -> list[Registration]:
    """The registrations made as a guest, without an account, with this address."""
    return list(db.session.scalars(select(Registration).where(
        Registration.user_id.is_(None), Registration.guest_email == email.strip().lower()).order_by(Registration.id)))


def erase_guest(email: str, erased_by: User) -> int:
    """Erase what a guest gave with their registrations (name, address, organisation, area,
    free-text answers) and the emails sent to them; registrations for sessions that have not
    ended are cancelled. The registrations stay without a name, so every figure stays the same.
    One transaction; the audit log records how many registrations, never the address. Returns
    how many registrations there were."""
    email = email.strip().lower()
    registrations = guest_registrations(email)
    guest_erasing.send(None, actor=erased_by, email=email)
    _cancel_upcoming(registrations)
    forget_guest_identity(None, former_email=email)
    db.session.flush()
    guest_erased.send(None, actor=erased_by, former_email=email)
    staff_action_done.send(erased_by, action="guest.erased", details={"registrations": len(registrations)})
    db.session.commit()
    return len(registrations)


def forget_guest_identity(person: User | None, *, former_email: str, **_event) -> None:
    """Forget who the erased person said they were when registering as a guest. No
    registration is deleted. The erasing service commits."""
    for registration in db.session.scalars(select(Registration).where(Registration.guest_email == former_email)):
        registration.guest_name = registration.guest_email = registration.guest_organisation = None
