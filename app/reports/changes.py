"""The version of the data behind the reports, so that a computed grid can be reused until
anything it was built from changes.

Every flush or bulk statement that writes one of the tracked tables adds a row to an
append-only table; the newest row's id is the version. Appending takes no row lock, so learners'
and registrants' writes never queue behind one counter; a worker compares one indexed max(id)
with the version its cached grid was built from.
"""
from datetime import datetime

from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..accounts.models import Area, User, UserRole
from ..core.timeutil import UTCDateTime, utcnow
from ..curriculum.models import (CheckAttempt, Course, CourseAssignment, CourseCompletion, CourseModule, Enrolment,
                                 KnowledgeCheck, Lesson, LessonCompletion)
from ..events.models import Registration, TrainingSession
from ..extensions import db
from ..meetings.models import MeetingEdition

TRACKED = (User, UserRole, Area, Course, CourseModule, Lesson, KnowledgeCheck, Enrolment, LessonCompletion,
           CheckAttempt, CourseCompletion, CourseAssignment, TrainingSession, Registration, MeetingEdition)


class ReportChange(db.Model):
    __tablename__ = "report_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def data_version() -> int:
    return db.session.scalar(select(func.max(ReportChange.id))) or 0


def forget_older_changes(version: int) -> None:
    """Only the newest row matters; the older ones can go. In a transaction of its own, so
    that the request's session (and what it has loaded) is left alone."""
    with db.engine.begin() as connection:
        connection.execute(delete(ReportChange).where(ReportChange.id < version))


def _record_change(connection) -> None:
    connection.execute(insert(ReportChange).values(changed_at=utcnow()))


@event.listens_for(Session, "after_flush")
def _after_flush(session, _flush_context) -> None:
    changed = [*session.new, *session.deleted, *(item for item in session.dirty if session.is_modified(item))]
    if any(isinstance(item, TRACKED) for item in changed):
        _record_change(session.connection())


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state) -> None:
    """Bulk INSERT, UPDATE and DELETE statements bypass the flush."""
    if (state.is_insert or state.is_update or state.is_delete) and state.bind_mapper is not None \
            and issubclass(state.bind_mapper.class_, TRACKED):
        _record_change(state.session.connection())
