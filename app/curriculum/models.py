"""Courses synced from courses/, and each person's enrolments, progress and completions.

Content rows are never deleted: what disappears from courses/ is archived, so that progress
recorded against it stays meaningful. Progress belongs to a round: taking a course again
after its completion expires starts a new round and keeps the earlier rounds as history.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Role
from ..core.enums import LabelledEnum, one_of
from ..core.i18n import SUPPORTED_LOCALES, in_locale
from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import Model, prefixed


class Course(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[dict] = mapped_column(JSON)
    audience: Mapped[list] = mapped_column(JSON)
    languages: Mapped[list] = mapped_column(JSON)  # languages every lesson is written in
    estimated_minutes: Mapped[int] = mapped_column(default=0)
    renewal_months: Mapped[int] = mapped_column(default=0)
    requires_live_session: Mapped[bool] = mapped_column(default=False)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    modules: Mapped[list["CourseModule"]] = relationship(
        back_populates="course", order_by="CourseModule.position", lazy="selectin"
    )

    def title_in(self, locale: str) -> str:
        return in_locale(self.title, locale)

    def summary_in(self, locale: str) -> str:
        return in_locale(self.summary, locale)

    @property
    def active_modules(self) -> list["CourseModule"]:
        return [module for module in self.modules if module.archived_at is None]

    @property
    def active_lessons(self) -> list["Lesson"]:
        return [lesson for module in self.active_modules for lesson in module.active_lessons]


class CourseModule(Model):
    __tablename__ = "course_module"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey(prefixed("course.id")))
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[dict] = mapped_column(JSON)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list["Lesson"]] = relationship(back_populates="module", order_by="Lesson.position", lazy="selectin")
    check: Mapped["KnowledgeCheck | None"] = relationship(back_populates="module", lazy="selectin")

    def title_in(self, locale: str) -> str:
        return in_locale(self.title, locale)

    @property
    def active_lessons(self) -> list["Lesson"]:
        return [lesson for lesson in self.lessons if lesson.archived_at is None]

    @property
    def active_check(self) -> "KnowledgeCheck | None":
        return self.check if self.check is not None and self.check.archived_at is None else None


class Lesson(Model):
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey(prefixed("course.id")), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey(prefixed("course_module.id")))
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[CourseModule] = relationship(back_populates="lessons")
    texts: Mapped[list["LessonText"]] = relationship(back_populates="lesson", lazy="selectin")

    def text_in(self, locale: str) -> "LessonText":
        """The text in `locale`, else the first of Finnish, Swedish, English that exists."""
        by_locale = {text.locale: text for text in self.texts}
        for candidate in (locale, *SUPPORTED_LOCALES):
            if candidate in by_locale:
                return by_locale[candidate]
        raise LookupError(f"lesson {self.key} has no text")


class LessonText(Model):
    __tablename__ = "lesson_text"
    __table_args__ = (UniqueConstraint("lesson_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey(prefixed("lesson.id")))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int | None]
    # Rendered and sanitised at sync; deferred so that course outlines load without every body.
    body_html: Mapped[str] = mapped_column(Text, deferred=True, deferred_group="body")
    toc_html: Mapped[str] = mapped_column(Text, deferred=True, deferred_group="body")
    content_hash: Mapped[str] = mapped_column(String(64))

    lesson: Mapped[Lesson] = relationship(back_populates="texts")


class KnowledgeCheck(Model):
    __tablename__ = "knowledge_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey(prefixed("course_module.id")), unique=True)
    pass_mark: Mapped[int]  # percent
    questions: Mapped[list] = mapped_column(
        JSON, deferred=True
    )  # [{key, kind, text, explanation, options:[{key, text, correct}]}]
    content_hash: Mapped[str] = mapped_column(String(64))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[CourseModule] = relationship(back_populates="check")


class ContentSync(Model):
    """The hash of the whole courses/ tree at the last sync: an unchanged tree is a no-op."""

    __tablename__ = "content_sync"

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Enrolment(Model):
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(prefixed("user.id")), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey(prefixed("course.id")), index=True)
    round: Mapped[int] = mapped_column(default=1)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    round_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()


class LessonCompletion(Model):
    __tablename__ = "lesson_completion"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(prefixed("user.id")), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey(prefixed("lesson.id")), index=True)
    round: Mapped[int]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locale: Mapped[str] = mapped_column(String(5))
    content_hash: Mapped[str] = mapped_column(String(64))  # of the text that was read


class CheckAttempt(Model):
    __tablename__ = "check_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(prefixed("user.id")), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey(prefixed("knowledge_check.id")), index=True)
    round: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locale: Mapped[str] = mapped_column(String(5))
    answers: Mapped[dict] = mapped_column(JSON)  # {question key: [option keys]}
    correct_count: Mapped[int]
    question_count: Mapped[int]
    score: Mapped[int]  # percent
    passed: Mapped[bool]
    content_hash: Mapped[str] = mapped_column(String(64))


class WithdrawalReason(LabelledEnum):
    ATTENDANCE_REMOVED = "attendance_removed", _l("The attendance at the live session was removed.")


VALID_ONLY = "withdrawn_at IS NULL"


class CourseCompletion(Model):
    """A round completed. A withdrawn completion (its requirement turned out unmet) stays as
    history; the round can then be completed again, once."""

    __tablename__ = "course_completion"
    __table_args__ = (
        Index(
            prefixed("uq_course_completion_valid"),
            "user_id",
            "course_id",
            "round",
            unique=True,
            sqlite_where=text(VALID_ONLY),
            postgresql_where=text(VALID_ONLY),
        ),
        one_of("withdrawal_reason", WithdrawalReason),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(prefixed("user.id")), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey(prefixed("course.id")), index=True)
    round: Mapped[int]
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))  # the course version completed
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str | None] = mapped_column(String(40))  # a WithdrawalReason

    course: Mapped[Course] = relationship()

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class CourseAssignment(Model):
    """A course assigned to one person, everyone in an area, or everyone with a role. Matched
    when progress is read, so people who join the area or get the role later are included."""

    __tablename__ = "course_assignment"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN person_id IS NULL THEN 0 ELSE 1 END + CASE WHEN area_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN role IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        one_of("role", Role),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey(prefixed("course.id")), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey(prefixed("user.id")), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey(prefixed("area.id")), index=True)
    role: Mapped[str | None] = mapped_column(String(20))
    due_on: Mapped[date | None]
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey(prefixed("user.id")))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship()
    person = relationship("User", foreign_keys=[person_id])
    area = relationship("Area")
    assigned_by = relationship("User", foreign_keys=[assigned_by_id])
