"""Bring the database in line with courses/: all of it or, if any file is wrong, none of it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ..core.signals import content_synced
from ..core.timeutil import utcnow
from ..extensions import db
from .loader import ContentTree, CourseSpec, Problem, load_tree, tree_hash
from .models import ContentSync, Course, CourseModule, KnowledgeCheck, Lesson, LessonText

SYNC_STATE_ID = 1


@dataclass
class SyncReport:
    unchanged: bool = False
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "courses added",
                "courses updated",
                "courses archived",
                "lessons added",
                "lessons updated",
                "lessons archived",
            ),
            0,
        )
    )


def sync_courses(root: Path, check_only: bool = False, on_course: Callable[[str], None] | None = None) -> SyncReport:
    """Check the whole tree, then apply it in one transaction. An unchanged tree (same content
    hash as the last sync) is a no-op. With errors, or with check_only, nothing is written.
    Sends content_synced with what changed, so that what depends on content (completions)
    follows in the same transaction."""
    current_hash = tree_hash(root)
    state = None if check_only else db.session.get(ContentSync, SYNC_STATE_ID)
    if state is not None and state.tree_hash == current_hash:
        return SyncReport(unchanged=True)
    synced = (
        {}
        if check_only
        else dict(db.session.execute(select(Course.key, Course.content_hash).where(Course.archived_at.is_(None))).all())
    )
    tree = load_tree(root, on_course, known_hashes=synced)
    report = SyncReport(errors=tree.errors, warnings=tree.warnings)
    if tree.errors or check_only:
        return report
    changed_courses, archived_lessons = _apply(tree, report)
    db.session.flush()
    content_synced.send(None, changed_courses=changed_courses, archived_lessons=archived_lessons)
    if state is None:
        state = ContentSync(id=SYNC_STATE_ID, tree_hash=current_hash)
        db.session.add(state)
    state.tree_hash, state.synced_at = current_hash, utcnow()
    db.session.commit()
    return report


def _apply(tree: ContentTree, report: SyncReport) -> tuple[list[Course], list[Lesson]]:
    """Write the tree; return the courses written and the lessons archived."""
    now = utcnow()
    changed, archived_lessons = [], []
    existing = {course.key: course for course in db.session.scalars(select(Course)) if course.key not in tree.unchanged}
    for spec in tree.courses:
        course = existing.pop(spec.key, None)
        report.counts["courses updated" if course else "courses added"] += 1
        if course is None:
            course = Course(key=spec.key)
            db.session.add(course)
        archived_lessons += _apply_course(course, spec, now, report)
        changed.append(course)
    for course in existing.values():
        if course.archived_at is None:
            course.archived_at = now
            report.counts["courses archived"] += 1
            changed.append(course)
    return changed, archived_lessons


def _apply_course(course: Course, spec: CourseSpec, now, report: SyncReport) -> list[Lesson]:
    """Write one course; return the lessons it archived."""
    course.position, course.title, course.summary = spec.position, spec.title, spec.summary
    course.audience, course.languages = spec.audience, spec.languages
    course.estimated_minutes, course.renewal_months = spec.estimated_minutes, spec.renewal_months
    course.requires_live_session, course.content_hash = spec.requires_live_session, spec.content_hash
    course.updated_at, course.archived_at = now, None
    db.session.flush()

    modules = {module.key: module for module in course.modules}
    lessons = {lesson.key: lesson for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))}
    for module_spec in spec.modules:
        module = modules.pop(module_spec.key, None) or CourseModule(course=course, key=module_spec.key)
        module.position, module.title, module.archived_at = module_spec.position, module_spec.title, None
        db.session.add(module)
        db.session.flush()
        _apply_check(module, module_spec.check, now)
        for lesson_key in module_spec.lesson_keys:
            lesson_spec = spec.lessons[lesson_key]
            lesson = lessons.pop(lesson_key, None)
            report.counts["lessons added" if lesson is None else "lessons updated"] += _apply_lesson(
                lesson or Lesson(course_id=course.id, key=lesson_key), module, lesson_spec, now
            )
    for module in modules.values():
        module.archived_at = module.archived_at or now
        _apply_check(module, None, now)
    archived = [lesson for lesson in lessons.values() if lesson.archived_at is None]
    for lesson in archived:
        lesson.archived_at = now
    report.counts["lessons archived"] += len(archived)
    return archived


def _apply_lesson(lesson: Lesson, module: CourseModule, spec, now) -> int:
    """Update a lesson and its texts; return 1 if its content changed, else 0."""
    is_new = lesson.id is None
    lesson.module, lesson.position, lesson.archived_at = module, spec.position, None
    db.session.add(lesson)
    texts = {text.locale: text for text in lesson.texts}
    changed = is_new
    for locale, text_spec in spec.texts.items():
        text = texts.pop(locale, None)
        if text is not None and text.content_hash == text_spec.content_hash:
            continue
        changed = True
        text = text or LessonText(lesson=lesson, locale=locale)
        text.title, text.minutes = text_spec.title, text_spec.minutes
        text.body_html, text.toc_html, text.content_hash = (
            text_spec.body_html,
            text_spec.toc_html,
            text_spec.content_hash,
        )
        db.session.add(text)
    for removed in texts.values():
        changed = True
        lesson.texts.remove(removed)
        db.session.delete(removed)
    if changed:
        lesson.updated_at = now
    return int(changed)


def _apply_check(module: CourseModule, spec, now) -> None:
    check = module.check
    if spec is None:
        if check is not None and check.archived_at is None:
            check.archived_at = now
        return
    if check is None:
        check = KnowledgeCheck(module=module)
        db.session.add(check)
    check.pass_mark, check.questions, check.content_hash = spec.pass_mark, spec.questions, spec.content_hash
    check.archived_at = None
