"""Live sessions: scheduling, registration with capacity and a waiting list, promotion,
attendance and reminders.

Seats are taken and given back only by single conditional UPDATEs of the session's
confirmed_count (`... WHERE confirmed_count < capacity`), so any number of parallel
registrations can never overbook a session, on PostgreSQL or SQLite.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import User
from ..core.collation import finnish_key
from ..core.enums import LabelledEnum
from ..core.signals import staff_action_done
from ..core.timeutil import utcnow
from ..core.urls import absolute_url
from ..extensions import db
from .links import GUEST_CONFIRMATION_HOURS, guest_confirmation_token
from .models import ANNUAL_MEETING, SESSION, Attendance, Registration, RegistrationStatus, ReminderSent, TrainingSession
from .notifications import notify_registrant

ACTIVE = (RegistrationStatus.UNCONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)


class RegistrationRefused(ValueError):
    """The registration cannot be made; the message says why, for the person registering."""


class EditConflict(ValueError):
    """Someone else saved the session after this form was opened."""


# --- who may see and register ------------------------------------------------------------------

def may_register(person: User | None, session: TrainingSession) -> bool:
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
    return [session for session in sessions if may_register(person, session)]


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
        Registration.id <= registration.id))


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

def _take_seat(session_id: int) -> bool:
    taken = db.session.execute(
        update(TrainingSession)
        .where(TrainingSession.id == session_id, TrainingSession.confirmed_count < TrainingSession.capacity)
        .values(confirmed_count=TrainingSession.confirmed_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    return taken


def _give_back_seat(session_id: int) -> None:
    db.session.execute(
        update(TrainingSession).where(TrainingSession.id == session_id, TrainingSession.confirmed_count > 0)
        .values(confirmed_count=TrainingSession.confirmed_count - 1).execution_options(synchronize_session=False))


def invitation_method(registration: Registration) -> str | None:
    """Sessions send an iTIP invitation; an annual meeting is many programme items, which
    people add through their personal agenda feed instead."""
    return "REQUEST" if registration.session.kind == SESSION else None


def _place(registration: Registration) -> None:
    """Confirm if a seat is free, else put on the waiting list; email the person either way."""
    if _take_seat(registration.session_id):
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = utcnow()
        notify_registrant(registration, "registration_confirmed", method=invitation_method(registration))
    else:
        registration.status = RegistrationStatus.WAITING
        db.session.flush()
        notify_registrant(registration, "registration_waiting", position=waiting_position(registration))


def _insert(registration: Registration) -> None:
    """Insert, refusing a second active registration by the same person or email."""
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        raise RegistrationRefused(_("You are already registered for this session."))


def register_person(session: TrainingSession, person: User, locale: str) -> Registration:
    """Register a signed-in person: confirmed while seats last, then on the waiting list."""
    _check_open(session)
    if not may_register(person, session):
        raise RegistrationRefused(_("This session is not open to you. Contact the support service if you think it should be."))
    if registration_of(person, session) is not None:
        raise RegistrationRefused(_("You are already registered for this session."))
    registration = Registration(session_id=session.id, user_id=person.id, locale=person.locale or locale,
                                status=RegistrationStatus.WAITING)
    _insert(registration)
    _place(registration)
    db.session.commit()
    return registration


def register_guest(session: TrainingSession, *, name: str, email: str, organisation: str, area: str,
                   locale: str) -> Registration:
    """A guest's registration waits for the email confirmation link before it takes a seat."""
    _check_open(session)
    if not session.open_to_guests:
        raise RegistrationRefused(_("This session is open only to signed-in participants."))
    email = email.strip().lower()
    if db.session.scalar(select(Registration).where(
            Registration.session_id == session.id, Registration.guest_email == email,
            Registration.status.in_(ACTIVE))):
        raise RegistrationRefused(_("This email address is already registered for this session."))
    registration = Registration(session_id=session.id, guest_name=name.strip(), guest_email=email,
                                guest_organisation=organisation.strip() or None, guest_area=area.strip() or None,
                                locale=locale, status=RegistrationStatus.UNCONFIRMED)
    _insert(registration)
    db.session.flush()
    notify_registrant(registration, "guest_confirm",
                      confirm_link=absolute_url("events.confirm_guest", token=guest_confirmation_token(registration)),
                      valid_hours=GUEST_CONFIRMATION_HOURS)
    db.session.commit()
    return registration


def confirm_guest(registration: Registration) -> Registration:
    """The guest clicked the link: take a seat or a place on the waiting list (once)."""
    if registration.status != RegistrationStatus.UNCONFIRMED:
        return registration
    _check_open(registration.session)
    claimed = db.session.execute(
        update(Registration).where(Registration.id == registration.id,
                                   Registration.status == RegistrationStatus.UNCONFIRMED)
        .values(status=RegistrationStatus.WAITING).execution_options(synchronize_session=False)).rowcount
    if claimed:
        db.session.refresh(registration)
        _place(registration)
    db.session.commit()
    db.session.refresh(registration)
    return registration


def cancel_registration(registration: Registration) -> None:
    """Cancel; a freed seat goes at once to the first person on the waiting list."""
    previous = registration.status
    cancelled = db.session.execute(
        update(Registration).where(Registration.id == registration.id, Registration.status == previous)
        .values(status=RegistrationStatus.CANCELLED, cancelled_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not cancelled or previous == RegistrationStatus.CANCELLED:
        db.session.rollback()
        return
    db.session.refresh(registration)
    if previous == RegistrationStatus.CONFIRMED:
        _give_back_seat(registration.session_id)
        notify_registrant(registration, "registration_cancelled",
                          method="CANCEL" if invitation_method(registration) else None)
    db.session.commit()
    if previous == RegistrationStatus.CONFIRMED:
        promote_from_waiting_list(registration.session)


def promote_from_waiting_list(session: TrainingSession) -> list[Registration]:
    """Give free seats to the waiting list in arrival order and email each promoted person.
    Stops PROMOTION_CUTOFF_HOURS before the start, when a late seat would help nobody."""
    cutoff = session.starts_at - timedelta(hours=current_app.config["PROMOTION_CUTOFF_HOURS"])
    promoted = []
    while not session.is_cancelled and utcnow() < cutoff:
        candidate = db.session.scalar(select(Registration).where(
            Registration.session_id == session.id, Registration.status == RegistrationStatus.WAITING
        ).order_by(Registration.id).limit(1))
        if candidate is None or not _take_seat(session.id):
            break
        moved = db.session.execute(
            update(Registration).where(Registration.id == candidate.id,
                                       Registration.status == RegistrationStatus.WAITING)
            .values(status=RegistrationStatus.CONFIRMED, confirmed_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if not moved:  # cancelled or promoted meanwhile: the seat goes back
            _give_back_seat(session.id)
            db.session.commit()
            continue
        db.session.refresh(candidate)
        notify_registrant(candidate, "registration_promoted", method=invitation_method(candidate))
        db.session.commit()
        promoted.append(candidate)
    db.session.expire(session, ["confirmed_count"])
    return promoted


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


def create_sessions(template: dict, trainers: list[User], starts: list[tuple[datetime, datetime]]) -> list[TrainingSession]:
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
    staff_action_done.send(None, action="sessions.scheduled", subject=sessions[0],
                           details={"sessions": len(sessions), "starts_at": [start for start, _end in starts]})
    db.session.commit()
    return sessions


def update_session(session: TrainingSession, fields: dict, trainers: list[User], form_version: int,
                   series_times: list[tuple[TrainingSession, datetime, datetime]] = ()) -> None:
    """Save the changes made on a form opened at `form_version`; with `series_times`, the same
    changes go to those other sessions of its series, each at its own (start, end), all in one
    transaction. For each session, a change of time or meeting link raises SEQUENCE and sends
    its confirmed registrants an updated invitation; more seats promote people from its
    waiting list."""
    if session.version != form_version:
        raise EditConflict()
    changes = [(session, fields)] + [
        (occurrence, {**fields, "starts_at": starts_at, "ends_at": ends_at, **_moved_window(fields, starts_at)})
        for occurrence, starts_at, ends_at in series_times]
    rescheduled, gained_seats = [], []
    for occurrence, occurrence_fields in changes:
        if any(getattr(occurrence, name) != occurrence_fields[name] for name in SCHEDULE_FIELDS if name in occurrence_fields):
            rescheduled.append(occurrence)
            occurrence.sequence += 1
        if occurrence_fields.get("capacity", occurrence.capacity) > occurrence.capacity:
            gained_seats.append(occurrence)
        for name, value in occurrence_fields.items():
            setattr(occurrence, name, value)
        occurrence.trainers = list(trainers)
        occurrence.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict()
    for occurrence in rescheduled:
        for registration in _registrations(occurrence, (RegistrationStatus.CONFIRMED,)):
            notify_registrant(registration, "session_updated", method="REQUEST")
    staff_action_done.send(None, action=_action_name(session, "changed"), subject=session,
                           details={"sessions": len(changes), "rescheduled": len(rescheduled)})
    db.session.commit()
    for occurrence in gained_seats:
        promote_from_waiting_list(occurrence)


def _cancellation_recipients(session: TrainingSession) -> list[Registration]:
    """Everyone a cancellation tells: confirmed, waiting and unconfirmed, if we can still write to them."""
    return [registration for registration in _registrations(session, ACTIVE) if registration.email]


def people_told_of_cancelling(sessions: list[TrainingSession]) -> int:
    """How many people (distinct addresses) cancelling `sessions` sends an email."""
    return len({registration.email.lower() for session in sessions for registration in _cancellation_recipients(session)})


def cancel_session(session: TrainingSession, scope: str = SeriesScope.ONE) -> list[TrainingSession]:
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
        staff_action_done.send(None, action="session.cancelled", subject=session, details={
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
    meeting, joining records attendance (organisers can still correct it on the roster)."""
    if registration.first_joined_at is None:
        registration.first_joined_at = utcnow()
        if registration.session.kind == ANNUAL_MEETING and registration.attendance is None:
            registration.attendance = Attendance.ATTENDED
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
                               key=lambda r: (order[r.status], r.id if r.status == RegistrationStatus.WAITING else 0,
                                              finnish_key(r.name), r.id)):
        if registration.status == RegistrationStatus.WAITING:
            waiting += 1
        rows.append(RosterRow(registration, waiting if registration.status == RegistrationStatus.WAITING else None))
    return rows


def set_attendance(session: TrainingSession, marks: dict[int, str | None]) -> int:
    """Record attended / no-show (or clear) for confirmed registrants; return how many changed."""
    changed = 0
    for registration in _registrations(session, (RegistrationStatus.CONFIRMED,)):
        if registration.id in marks and registration.attendance != marks[registration.id]:
            registration.attendance = marks[registration.id]
            changed += 1
    db.session.commit()
    return changed


def attended_live_session(person: User, course) -> bool:
    """Whether the person attended a session of the course (satisfies its live-session step)."""
    return db.session.scalar(select(func.count()).select_from(Registration).join(TrainingSession).where(
        Registration.user_id == person.id, TrainingSession.course_id == course.id,
        Registration.attendance == Attendance.ATTENDED)) > 0


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
    """Cancel the person's registrations for sessions that have not ended (nobody could reach
    them any more; their seats go to the waiting list). Past ones keep their status and
    attendance, so the figures of sessions held stay the same."""
    for registration in registrations_made_by(person):
        if registration.is_active and registration.session.ends_at > utcnow():
            cancel_registration(registration)


def forget_guest_identity(person: User, *, former_email: str, **_event) -> None:
    """Forget who the erased person said they were when registering as a guest. No
    registration is deleted. The erasing service commits."""
    for registration in db.session.scalars(select(Registration).where(Registration.guest_email == former_email)):
        registration.guest_name = registration.guest_email = registration.guest_organisation = None
