"""Taking part: the join link's first use, the roster, and attendance marked by organisers,
which the curriculum asks about for a course's live-session step."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.models import User
from ..core.collation import finnish_key
from ..core.signals import attendance_marked, staff_action_done
from ..core.timeutil import utcnow
from ..curriculum.models import Course
from ..extensions import db
from .kinds import kind_of
from .models import Attendance, Registration, RegistrationStatus, TrainingSession
from .seats import registrations_with


class AttendanceRefused(ValueError):
    """Attendance cannot be marked now; the message says why, for the organiser."""


# --- joining ----------------------------------------------------------------------------------------


def join_opens_before() -> timedelta:
    return timedelta(minutes=current_app.config["JOIN_OPENS_MINUTES_BEFORE"])


def record_join(registration: Registration) -> None:
    """Remember the first use of the join link: organisers see it on the roster. At an annual
    meeting (a kind whose joining marks attendance), joining records attendance (organisers can
    still correct it on the roster), which is announced like attendance marked on the roster."""
    if registration.first_joined_at is not None:
        return
    registration.first_joined_at = utcnow()
    if kind_of(registration.session).joining_marks_attendance and registration.attendance is None:
        _mark(registration, Attendance.ATTENDED, actor=registration.user)
    db.session.commit()


# --- roster and attendance --------------------------------------------------------------------------


@dataclass
class RosterRow:
    registration: Registration
    position: int | None


def roster(session: TrainingSession) -> list[RosterRow]:
    """Confirmed first, then the waiting list in order, then unconfirmed and cancelled; within
    each group but the waiting list, by name in the Finnish order."""
    order: dict[str, int] = {
        RegistrationStatus.CONFIRMED: 0,
        RegistrationStatus.WAITING: 1,
        RegistrationStatus.UNCONFIRMED: 2,
        RegistrationStatus.CANCELLED: 3,
    }
    rows, waiting = [], 0
    for registration in sorted(
        registrations_with(session, list(RegistrationStatus)),
        key=lambda r: (
            order[r.status],
            r.queue_number or 0 if r.status == RegistrationStatus.WAITING else 0,
            finnish_key(r.name),
            r.id,
        ),
    ):
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
    for registration in registrations_with(session, (RegistrationStatus.CONFIRMED,)):
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


def attended_live_session(person: User, *, course: Course, **_event: object) -> bool:
    """Subscriber of live_session_attendance_asked: whether the person attended a session of
    the course (which satisfies its live-session step)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .join(TrainingSession)
            .where(
                Registration.user_id == person.id,
                TrainingSession.course_id == course.id,
                Registration.attendance == Attendance.ATTENDED,
            )
        )
        or 0
    ) > 0
