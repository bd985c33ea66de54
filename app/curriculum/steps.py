"""The steps of a course's progress. Each kind of step says where the learner takes it and how
it is named, so that pages and reports ask the step, never `step.kind == ...`."""

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _

from .models import Course, CourseModule, Lesson


@dataclass(kw_only=True)
class Step:
    done: bool
    module: CourseModule | None = None
    updated_since_done: bool = False
    best_score: int | None = None
    # The step is done only when a live session's attendance says so (the course waits for it).
    needs_attendance = False

    def page_url(self, course: Course) -> str | None:
        """The page where the learner takes the step; None when it is not taken on a page here."""
        return None

    def name(self, locale: str) -> str:
        raise NotImplementedError

    def next_label(self, locale: str) -> str:
        """What the course page says when this is the next step."""
        return _("Continue: %(title)s", title=self.name(locale))

    def is_check_of(self, module: CourseModule) -> bool:
        return False


@dataclass(kw_only=True)
class LessonStep(Step):
    lesson: Lesson

    def page_url(self, course: Course) -> str:
        return url_for("curriculum.lesson", key=course.key, lesson_key=self.lesson.key)

    def name(self, locale: str) -> str:
        return self.lesson.text_in(locale).title


@dataclass(kw_only=True)
class CheckStep(Step):
    module: CourseModule

    def page_url(self, course: Course) -> str:
        return url_for("curriculum.knowledge_check", key=course.key, module_key=self.module.key)

    def name(self, locale: str) -> str:
        return _("Knowledge check – %(title)s", title=self.module.title_in(locale))

    def next_label(self, locale: str) -> str:
        return _("Continue: knowledge check – %(title)s", title=self.module.title_in(locale))

    def is_check_of(self, module: CourseModule) -> bool:
        return self.module.id == module.id


@dataclass(kw_only=True)
class LiveSessionStep(Step):
    needs_attendance = True

    def name(self, locale: str) -> str:
        return _("Live session")

    def next_label(self, locale: str) -> str:
        return _("Next: attend a live session of this course.")
