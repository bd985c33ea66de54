"""Enrolment, progress, knowledge checks, completions, renewal and assignments.

Progress is computed from the rows each action writes, at once: nothing waits for a job. A
course completes the moment its last requirement is met, whichever it is: a lesson read, a
check passed, a live session attended (attendance_marked) or content synced away
(content_synced). A completion whose live session attendance is taken back is withdrawn.

Services own the transaction: each function that changes data checks its rules, then commits
once (or says "the caller commits"). Views never commit.
"""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Area, User
from ..accounts.services import find_user_by_email
from ..core.enums import LabelledEnum
from ..core.signals import (
    check_attempted,
    check_passed,
    completion_withdrawn,
    course_completed,
    course_sessions_asked,
    lesson_completed,
    live_session_attendance_asked,
    staff_action_done,
)
from ..core.timeutil import utcnow
from ..extensions import db
from .models import (
    CheckAttempt,
    Course,
    CourseAssignment,
    CourseCompletion,
    CourseModule,
    Enrolment,
    KnowledgeCheck,
    Lesson,
    LessonCompletion,
    WithdrawalReason,
)
from .steps import CheckStep, LessonStep, LiveSessionStep, Step

RENEWAL_NOTICE = timedelta(days=60)  # "renew by" shows this long before a completion expires


class CurriculumError(ValueError):
    """A learner action that cannot be done."""


class AssignmentTargetError(CurriculumError):
    """The assignment's targets cannot be resolved; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class UnansweredQuestions(CurriculumError):
    def __init__(self, keys: list[str]):
        super().__init__(", ".join(keys))
        self.keys = keys


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


# --- catalogue ------------------------------------------------------------------------------


def catalogue(audience: str | None = None, language: str | None = None) -> list[Course]:
    courses = db.session.scalars(
        select(Course).where(Course.archived_at.is_(None)).order_by(Course.position, Course.key)
    )
    return [
        course
        for course in courses
        if (not audience or audience in course.audience) and (not language or language in course.languages)
    ]


def find_course(key: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.key == key, Course.archived_at.is_(None)))


def find_course_by_id(course_id: int) -> Course | None:
    return db.session.get(Course, course_id)


def find_lesson(course: Course, key: str) -> Lesson | None:
    return next((lesson for lesson in course.active_lessons if lesson.key == key), None)


def find_module(course: Course, key: str) -> CourseModule | None:
    return next((module for module in course.active_modules if module.key == key), None)


def course_file(course: Course, filename: str) -> Path | None:
    """A file in the course's files/ folder, never one that a link (made after the last sync,
    which refuses them) leads outside it to."""
    folder = (current_app.config["COURSES_DIR"] / course.key / "files").resolve()
    try:
        path = (folder / filename).resolve()
    except (OSError, ValueError):  # a link loop, a NUL byte
        return None
    return path if path.is_relative_to(folder) and path.is_file() else None


# --- progress -------------------------------------------------------------------------------


class CourseStatus(LabelledEnum):
    NOT_ENROLLED = "not_enrolled", _l("Not enrolled")
    NOT_STARTED = "not_started", _l("Not started")
    IN_PROGRESS = "in_progress", _l("In progress")
    AWAITING_LIVE_SESSION = "awaiting_live_session", _l("Waiting for a live session")
    OVERDUE = "overdue", _l("Overdue")
    COMPLETED = "completed", _l("Completed")
    RENEWAL_DUE = "renewal_due", _l("Renewal due")
    EXPIRED = "expired", _l("Expired")


VALID_COMPLETION = frozenset({CourseStatus.COMPLETED, CourseStatus.RENEWAL_DUE})


def course_status(
    *,
    completed: bool,
    expires_at: datetime | None,
    due_on: date | None,
    enrolled: bool,
    assigned: bool,
    awaiting_live_session: bool,
    now: datetime,
) -> CourseStatus:
    """The one rule for a person's status in a course, for their own pages and for reports."""
    if completed:
        if expires_at and now >= expires_at:
            return CourseStatus.EXPIRED
        if expires_at and now >= expires_at - RENEWAL_NOTICE:
            return CourseStatus.RENEWAL_DUE
        return CourseStatus.COMPLETED
    if due_on and now.date() > due_on:
        return CourseStatus.OVERDUE
    if not enrolled:
        return CourseStatus.NOT_STARTED if assigned else CourseStatus.NOT_ENROLLED
    if awaiting_live_session:
        return CourseStatus.AWAITING_LIVE_SESSION
    return CourseStatus.IN_PROGRESS


@dataclass
class CourseProgress:
    course: Course
    enrolment: Enrolment | None
    steps: list[Step]
    completion: CourseCompletion | None  # the valid one of the current round
    history: list[CourseCompletion]  # every completion, withdrawn ones too, newest first
    due_on: date | None

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.done_count / len(self.steps)) if self.steps else 0

    @property
    def next_step(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)

    @property
    def live_session_pending(self) -> bool:
        return any(step.needs_attendance and not step.done for step in self.steps)

    @property
    def expires_at(self) -> datetime | None:
        return self.completion.expires_at if self.completion else None

    @property
    def status(self) -> CourseStatus:
        next_step = self.next_step
        return course_status(
            completed=self.completion is not None,
            expires_at=self.expires_at,
            due_on=self.due_on,
            enrolled=self.enrolment is not None,
            assigned=True,
            awaiting_live_session=next_step is not None and next_step.needs_attendance,
            now=utcnow(),
        )

    def step_for_lesson(self, lesson: Lesson) -> LessonStep | None:
        return next((step for step in self.steps if isinstance(step, LessonStep) and step.lesson.id == lesson.id), None)

    def step_for_check(self, module: CourseModule) -> Step | None:
        return next((step for step in self.steps if step.is_check_of(module)), None)


def enrolment_for(person: User, course: Course) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id, Enrolment.course_id == course.id))


def live_session_attended(person: User, course: Course) -> bool:
    """Whether the person attended a live session of the course, as the sessions feature says;
    without it the requirement stays pending."""
    return any(answer for _receiver, answer in live_session_attendance_asked.send(person, course=course))


def upcoming_sessions_of(course: Course, person: User) -> list:
    """The course's upcoming live sessions that the person may register for."""
    return [
        session for _receiver, sessions in course_sessions_asked.send(person, course=course) for session in sessions
    ]


def course_progress(person: User, course: Course) -> CourseProgress:
    enrolment = enrolment_for(person, course)
    current_round = enrolment.round if enrolment else 1
    lesson_rows = {
        row.lesson_id: row
        for row in db.session.scalars(
            select(LessonCompletion).where(
                LessonCompletion.user_id == person.id,
                LessonCompletion.round == current_round,
                LessonCompletion.lesson_id.in_([lesson.id for lesson in course.active_lessons]),
            )
        )
    }
    checks = [module.active_check for module in course.active_modules if module.active_check]
    best_scores: dict[int, int] = {}
    passed: set[int] = set()
    for attempt in db.session.scalars(
        select(CheckAttempt).where(
            CheckAttempt.user_id == person.id,
            CheckAttempt.round == current_round,
            CheckAttempt.check_id.in_([check.id for check in checks]),
        )
    ):
        best_scores[attempt.check_id] = max(best_scores.get(attempt.check_id, 0), attempt.score)
        if attempt.passed:
            passed.add(attempt.check_id)
    steps: list[Step] = []
    for module in course.active_modules:
        for lesson in module.active_lessons:
            row = lesson_rows.get(lesson.id)
            steps.append(
                LessonStep(
                    done=row is not None,
                    lesson=lesson,
                    module=module,
                    updated_since_done=row is not None and _changed_since_read(lesson, row),
                )
            )
        if module.active_check:
            check_id = module.active_check.id
            steps.append(CheckStep(done=check_id in passed, module=module, best_score=best_scores.get(check_id)))
    if course.requires_live_session:
        steps.append(LiveSessionStep(done=live_session_attended(person, course)))
    history = list(
        db.session.scalars(
            select(CourseCompletion)
            .where(CourseCompletion.user_id == person.id, CourseCompletion.course_id == course.id)
            .order_by(CourseCompletion.round.desc(), CourseCompletion.id.desc())
        )
    )
    completion = next((row for row in history if row.round == current_round and not row.is_withdrawn), None)
    return CourseProgress(course, enrolment, steps, completion, history, due_date(person, course))


def _changed_since_read(lesson: Lesson, completion: LessonCompletion) -> bool:
    current = next((text for text in lesson.texts if text.locale == completion.locale), None)
    return current is not None and current.content_hash != completion.content_hash


# --- learner actions ------------------------------------------------------------------------


def enrol(person: User, course: Course) -> Enrolment:
    """Enrol the person once; enrolling again returns the existing enrolment."""
    enrolment = _enrolment(person, course)
    db.session.commit()
    return enrolment


def _enrolment(person: User, course: Course) -> Enrolment:
    """The person's enrolment in the course, made now if there is none."""
    enrolment = enrolment_for(person, course)
    if enrolment is not None:
        return enrolment
    try:
        with db.session.begin_nested():
            enrolment = Enrolment(user_id=person.id, course_id=course.id)
            db.session.add(enrolment)
    except IntegrityError:  # a parallel request enrolled first
        found = enrolment_for(person, course)
        if found is None:
            raise
        return found
    return enrolment


def complete_lesson(person: User, lesson: Lesson, locale: str) -> CourseProgress:
    """Record that the person read the lesson (in the language shown), and the course's
    completion if that was its last requirement; completing it again in the same round
    changes nothing. Returns the course's progress after the action."""
    course = lesson.module.course
    enrolment = _enrolment(person, course)
    text = lesson.text_in(locale)
    already = db.session.scalar(
        select(LessonCompletion).where(
            LessonCompletion.user_id == person.id,
            LessonCompletion.lesson_id == lesson.id,
            LessonCompletion.round == enrolment.round,
        )
    )
    if already is not None:
        already.locale, already.content_hash = text.locale, text.content_hash  # read again: now up to date
    else:
        db.session.add(
            LessonCompletion(
                user_id=person.id,
                lesson_id=lesson.id,
                round=enrolment.round,
                locale=text.locale,
                content_hash=text.content_hash,
            )
        )
    db.session.flush()
    lesson_completed.send(person, lesson=lesson)
    progress = _complete_if_done(person, course)
    db.session.commit()
    return progress


@dataclass
class CheckResult:
    attempt: CheckAttempt
    feedback: list[dict]  # per question: {question, chosen, right}


def grade(check: KnowledgeCheck, answers: dict[str, list[str]]) -> tuple[int, list[dict]]:
    feedback = []
    for question in check.questions:
        correct = {option["key"] for option in question["options"] if option["correct"]}
        chosen = set(answers.get(question["key"], []))
        feedback.append({"question": question, "chosen": chosen, "right": chosen == correct})
    return sum(item["right"] for item in feedback), feedback


def submit_check(person: User, check: KnowledgeCheck, answers: dict[str, list[str]], locale: str) -> CheckResult:
    """Score an attempt and store it with the answers, and the course's completion if passing
    was its last requirement. Every question must be answered."""
    unanswered = [question["key"] for question in check.questions if not answers.get(question["key"])]
    if unanswered:
        raise UnansweredQuestions(unanswered)
    course = check.module.course
    enrolment = _enrolment(person, course)
    correct_count, feedback = grade(check, answers)
    total = len(check.questions)
    score = round(100 * correct_count / total)
    attempt = CheckAttempt(
        user_id=person.id,
        check_id=check.id,
        round=enrolment.round,
        locale=locale,
        answers={key: sorted(value) for key, value in answers.items()},
        correct_count=correct_count,
        question_count=total,
        score=score,
        passed=score >= check.pass_mark,
        content_hash=check.content_hash,
    )
    db.session.add(attempt)
    db.session.flush()
    check_attempted.send(person, attempt=attempt, passed=attempt.passed)
    if attempt.passed:
        check_passed.send(person, attempt=attempt)
        _complete_if_done(person, course)
    db.session.commit()
    return CheckResult(attempt, feedback)


def attempts_for(person: User, check: KnowledgeCheck) -> list[CheckAttempt]:
    return list(
        db.session.scalars(
            select(CheckAttempt)
            .where(CheckAttempt.user_id == person.id, CheckAttempt.check_id == check.id)
            .order_by(CheckAttempt.submitted_at.desc())
        )
    )


def start_renewal(person: User, course: Course) -> Enrolment:
    """Take a completed course again: a new round starts from zero; earlier rounds stay."""
    enrolment = enrolment_for(person, course)
    progress = course_progress(person, course)
    if enrolment is None or progress.completion is None or not course.renewal_months:
        raise CurriculumError("nothing to renew")
    enrolment.round += 1
    enrolment.round_started_at = utcnow()
    db.session.commit()
    return enrolment


# --- completion, whichever requirement is met last ---------------------------------------------


def _complete_if_done(person: User, course: Course) -> CourseProgress:
    """Record the round's completion if every requirement is met and it has none yet."""
    progress = course_progress(person, course)
    if (
        progress.enrolment is None
        or progress.completion is not None
        or not progress.steps
        or progress.next_step is not None
    ):
        return progress
    now = utcnow()
    completion = CourseCompletion(
        user_id=person.id,
        course_id=course.id,
        round=progress.enrolment.round,
        completed_at=now,
        content_hash=course.content_hash,
        expires_at=add_months(now, course.renewal_months) if course.renewal_months else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:  # recorded by a parallel request
        return course_progress(person, course)
    course_completed.send(person, course=course, completion=completion)
    return course_progress(person, course)


def _withdraw(person: User, completion: CourseCompletion, reason: WithdrawalReason) -> None:
    completion.withdrawn_at, completion.withdrawal_reason = utcnow(), reason
    db.session.flush()
    completion_withdrawn.send(person, course=completion.course, completion=completion, reason=reason)


def settle_after_attendance(registration, **_event) -> None:
    """Subscriber of attendance_marked: attending a session of a course that needs one may
    have been its last requirement; attendance taken back withdraws the completion that
    relied on it. The sender commits."""
    person, course = registration.user, registration.session.course
    if person is None or course is None or not course.requires_live_session or course.archived_at is not None:
        return
    progress = _complete_if_done(person, course)
    if progress.completion is not None and progress.live_session_pending:
        _withdraw(person, progress.completion, WithdrawalReason.ATTENDANCE_REMOVED)


def settle_after_sync(_sender, *, changed_courses: list[Course], **_event) -> None:
    """Subscriber of content_synced: whoever now meets every requirement of a changed course
    (say, the one lesson they had left was archived) has completed it. The sync commits."""
    for course in changed_courses:
        if course.archived_at is None:
            for person in _enrolled_without_completion(course):
                _complete_if_done(person, course)


def _enrolled_without_completion(course: Course) -> list[User]:
    completed = select(CourseCompletion.id).where(
        CourseCompletion.user_id == Enrolment.user_id,
        CourseCompletion.course_id == course.id,
        CourseCompletion.round == Enrolment.round,
        CourseCompletion.withdrawn_at.is_(None),
    )
    return list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.course_id == course.id, ~completed.exists())
        )
    )


# --- assignments and the dashboard ------------------------------------------------------------


def _assignment_filter(person: User):
    return or_(
        CourseAssignment.person_id == person.id,
        CourseAssignment.area_id == person.area_id if person.area_id else false(),
        CourseAssignment.role.in_(person.roles),
    )


def due_date(person: User, course: Course) -> date | None:
    """The earliest due date among the assignments that reach the person for this course."""
    dates = [
        due
        for due in db.session.scalars(
            select(CourseAssignment.due_on).where(CourseAssignment.course_id == course.id, _assignment_filter(person))
        )
        if due
    ]
    return min(dates, default=None)


def assign(
    course: Course,
    due_on: date | None,
    assigned_by: User,
    *,
    person: User | None = None,
    area=None,
    role: str | None = None,
) -> CourseAssignment:
    """Assign the course to one person, area or role."""
    [assignment] = assign_to_all(course, due_on, assigned_by, [{"person": person, "area": area, "role": role}])
    return assignment


def assign_to_all(
    course: Course, due_on: date | None, assigned_by: User, targets: list[dict]
) -> list[CourseAssignment]:
    """Assign the course to every target ({"person": ...}, {"area": ...} or {"role": ...}), all
    or nothing, in one transaction."""
    assignments = []
    for target in targets:
        assignment = CourseAssignment(course=course, due_on=due_on, assigned_by=assigned_by, **target)
        db.session.add(assignment)
        assignments.append(assignment)
        staff_action_done.send(
            assigned_by,
            action="course.assigned",
            subject=course,
            details={
                "due_on": due_on.isoformat() if due_on else None,
                "person": target["person"].email if target.get("person") else None,
                "area": target["area"].name_fi if target.get("area") else None,
                "role": target.get("role"),
            },
        )
    db.session.commit()
    return assignments


def assignment_targets(
    target: str, *, emails: str = "", area_id: int | None = None, role: str | None = None
) -> list[dict]:
    """The targets of an assignment: one or more people by email (every address must be a
    person's), an area (which must exist) or a role. Raises AssignmentTargetError otherwise."""
    if target == "person":
        addresses = [email for email in re.split(r"[\s,;]+", emails or "") if email]
        if not addresses:
            raise AssignmentTargetError("emails", _("Give at least one email address."))
        people = {email: find_user_by_email(email) for email in addresses}
        unknown = [email for email, person in people.items() if person is None]
        if unknown:
            raise AssignmentTargetError(
                "emails",
                _("No person has these email addresses: %(emails)s. Nothing was assigned.", emails=", ".join(unknown)),
            )
        return [{"person": person} for person in people.values()]
    if target == "area":
        area = db.session.get(Area, area_id) if area_id else None
        if area is None:
            raise AssignmentTargetError("area_id", _("Choose an area."))
        return [{"area": area}]
    return [{"role": role}]


def assign_course(
    course: Course,
    due_on: date | None,
    assigned_by: User,
    *,
    target: str,
    emails: str = "",
    area_id: int | None = None,
    role: str | None = None,
) -> list[CourseAssignment]:
    """Resolve the targets (see assignment_targets) and assign the course to all of them in one
    transaction, or to none."""
    return assign_to_all(
        course, due_on, assigned_by, assignment_targets(target, emails=emails, area_id=area_id, role=role)
    )


def find_assignment(assignment_id: int) -> CourseAssignment | None:
    return db.session.get(CourseAssignment, assignment_id)


def all_assignments() -> list[CourseAssignment]:
    return list(db.session.scalars(select(CourseAssignment).order_by(CourseAssignment.created_at.desc())))


def remove_assignment(assignment: CourseAssignment, removed_by: User | None = None) -> None:
    staff_action_done.send(removed_by, action="assignment.removed", subject=assignment.course)
    db.session.delete(assignment)
    db.session.commit()


def dashboard(person: User) -> list[CourseProgress]:
    """Every course the person is enrolled in or assigned, most urgent first."""
    enrolled = select(Enrolment.course_id).where(Enrolment.user_id == person.id)
    assigned = select(CourseAssignment.course_id).where(_assignment_filter(person))
    courses = db.session.scalars(
        select(Course)
        .where(Course.archived_at.is_(None), or_(Course.id.in_(enrolled), Course.id.in_(assigned)))
        .order_by(Course.position)
    )
    order = ["overdue", "expired", "renewal_due", "awaiting_live_session", "in_progress", "not_started", "completed"]
    return sorted((course_progress(person, course) for course in courses), key=lambda p: order.index(p.status))


# --- personal data ---------------------------------------------------------------------------------


def personal_data(person: User) -> dict:
    """The person's learning record for their data download, courses and lessons named by key.
    It holds only ids and what the person did, so erasing a person needs nothing from here."""
    course_keys = dict(db.session.execute(select(Course.id, Course.key)).all())
    return {
        "learning": {
            "enrolments": [
                {
                    "course": course_keys[row.course_id],
                    "round": row.round,
                    "enrolled_at": row.enrolled_at,
                    "round_started_at": row.round_started_at,
                }
                for row in db.session.scalars(
                    select(Enrolment).where(Enrolment.user_id == person.id).order_by(Enrolment.enrolled_at)
                )
            ],
            "lesson_completions": [
                {
                    "course": course_keys[lesson.course_id],
                    "lesson": lesson.key,
                    "round": row.round,
                    "completed_at": row.completed_at,
                    "locale": row.locale,
                }
                for row, lesson in db.session.execute(
                    select(LessonCompletion, Lesson)
                    .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
                    .where(LessonCompletion.user_id == person.id)
                    .order_by(LessonCompletion.completed_at)
                )
            ],
            "check_attempts": [
                {
                    "course": course_keys[module.course_id],
                    "module": module.key,
                    "round": row.round,
                    "submitted_at": row.submitted_at,
                    "locale": row.locale,
                    "answers": row.answers,
                    "correct_count": row.correct_count,
                    "question_count": row.question_count,
                    "score": row.score,
                    "passed": row.passed,
                }
                for row, module in db.session.execute(
                    select(CheckAttempt, CourseModule)
                    .join(KnowledgeCheck, KnowledgeCheck.id == CheckAttempt.check_id)
                    .join(CourseModule, CourseModule.id == KnowledgeCheck.module_id)
                    .where(CheckAttempt.user_id == person.id)
                    .order_by(CheckAttempt.submitted_at)
                )
            ],
            "completions": [
                {
                    "course": course_keys[row.course_id],
                    "round": row.round,
                    "completed_at": row.completed_at,
                    "expires_at": row.expires_at,
                    "withdrawn_at": row.withdrawn_at,
                    "withdrawal_reason": row.withdrawal_reason,
                }
                for row in db.session.scalars(
                    select(CourseCompletion)
                    .where(CourseCompletion.user_id == person.id)
                    .order_by(CourseCompletion.completed_at)
                )
            ],
            "assignments": [
                {"course": course_keys[row.course_id], "due_on": row.due_on, "assigned_at": row.created_at}
                for row in db.session.scalars(
                    select(CourseAssignment)
                    .where(CourseAssignment.person_id == person.id)
                    .order_by(CourseAssignment.created_at)
                )
            ],
        }
    }
