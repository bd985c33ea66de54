"""What changed in the data behind the reports, so that a computed grid can be reused until it
does, and then brought up to date person by person instead of computed again.

Every flush or bulk statement that writes one of the tracked tables appends rows to
`report_change`: one per person whose own progress, registrations or details changed, or one
with no person when the change can touch anyone (a course synced, an assignment, an area, a
bulk statement). Appending takes no row lock, so learners' and registrants' writes never queue
behind one counter. The version a grid was built from is the newest id and the row count: the
count also moves when a transaction that took an earlier id commits late.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, event, func, insert, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import Area, User, UserRole
from ..core.timeutil import UTCDateTime, utcnow
from ..curriculum.models import (
    CheckAttempt,
    Course,
    CourseAssignment,
    CourseCompletion,
    CourseModule,
    Enrolment,
    KnowledgeCheck,
    Lesson,
    LessonCompletion,
)
from ..events.models import Registration, TrainingSession
from ..extensions import Model, db
from ..meetings.models import MeetingEdition

# Rows that belong to one person, and the attribute that names them.
PERSONAL = {
    User: "id",
    UserRole: "user_id",
    Enrolment: "user_id",
    LessonCompletion: "user_id",
    CheckAttempt: "user_id",
    CourseCompletion: "user_id",
    Registration: "user_id",
}
SHARED = (Area, Course, CourseModule, Lesson, KnowledgeCheck, CourseAssignment, TrainingSession, MeetingEdition)
TRACKED = (*PERSONAL, *SHARED)
EVERYONE = None


class ReportChange(Model):
    __tablename__ = "report_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    person_id: Mapped[int | None]  # None: anyone's figures may have changed


@dataclass(frozen=True)
class DataVersion:
    newest: int
    count: int


def data_version() -> DataVersion:
    newest, count = db.session.execute(select(func.max(ReportChange.id), func.count(ReportChange.id))).one()
    return DataVersion(newest or 0, count)


def people_changed_since(version: DataVersion, moment: datetime) -> set[int] | None:
    """The people whose rows changed after `version`; None if anyone's may have. If rows with
    earlier ids appeared since (a write that took its id before the version was read committed
    after) or went, which ones is not known: every change from `moment` on counts as well."""
    changed = ReportChange.id > version.newest
    earlier = db.session.scalar(select(func.count(ReportChange.id)).where(ReportChange.id <= version.newest))
    if earlier != version.count:
        changed = or_(changed, ReportChange.changed_at >= moment)
    people = set(db.session.scalars(select(ReportChange.person_id).where(changed).distinct()))
    return None if EVERYONE in people else {person for person in people if person is not None}


def forget_changes_before(moment: datetime) -> None:
    """Rows older than any grid still kept are of no use. In a transaction of its own, so that
    the request's session (and what it has loaded) is left alone."""
    with db.engine.begin() as connection:
        connection.execute(delete(ReportChange).where(ReportChange.changed_at < moment))


def _record(connection, people: set) -> None:
    now = utcnow()
    connection.execute(insert(ReportChange), [{"changed_at": now, "person_id": person} for person in people])


def _person_of(item):
    """Whose figures a changed row touches: a person's id, EVERYONE, or False for none (a guest's
    registration counts in no grid)."""
    for model, attribute in PERSONAL.items():
        if isinstance(item, model):
            person = getattr(item, attribute)
            return False if person is None and model is Registration else person
    return EVERYONE


def track_changes() -> None:
    """Listen to our own database session (never to a host application's): the reports
    follow every write to the tracked tables, whichever feature makes it. Connected once by
    reports.init_app, however many apps are created."""
    for name, listener in (("after_flush", _after_flush), ("do_orm_execute", _bulk_statement)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _after_flush(session, _flush_context) -> None:
    changed = [*session.new, *session.deleted, *(item for item in session.dirty if session.is_modified(item))]
    people = {_person_of(item) for item in changed if isinstance(item, TRACKED)} - {False}
    if people:
        _record(session.connection(), people)


def _bulk_statement(state) -> None:
    """Bulk INSERT, UPDATE and DELETE statements bypass the flush; who they touch is not known."""
    if (
        (state.is_insert or state.is_update or state.is_delete)
        and state.bind_mapper is not None
        and issubclass(state.bind_mapper.class_, TRACKED)
    ):
        _record(state.session.connection(), {EVERYONE})
