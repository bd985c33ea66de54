"""flask demo generate: a synthetic national data set that keeps every rule the app keeps."""

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kaiku_training.accounts.models import Area, User, UserRole
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum.models import (
    CheckAttempt,
    Course,
    CourseAssignment,
    CourseCompletion,
    Enrolment,
    KnowledgeCheck,
    LessonCompletion,
    LessonText,
)
from kaiku_training.curriculum.services import add_months, course_progress, grade
from kaiku_training.events.models import Attendance, Registration, RegistrationStatus, TrainingSession
from kaiku_training.extensions import db
from kaiku_training.meetings.models import MeetingEdition
from tests.conftest import test_settings

REPO_COURSES = Path(__file__).resolve().parents[2] / "courses"


@pytest.fixture
def app_settings(database_url, smtp_port):
    return test_settings(database_url, smtp_port, COURSES_DIR=str(REPO_COURSES))


@pytest.fixture
def synced(runner):
    result = runner.invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output


def generate(runner, people=300, areas=12, seed=1):
    result = runner.invoke(
        args=["demo", "generate", "--people", str(people), "--areas", str(areas), "--seed", str(seed)]
    )
    assert result.exit_code == 0, result.output
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_generates_people_in_areas(runner, synced):
    result = generate(runner)
    assert "300 people" in result.output and "12 areas" in result.output
    people = db.session.scalars(select(User)).all()
    assert len(people) == 300 and len({person.email for person in people}) == 300
    assert all(person.area_id and person.sector and person.password_hash is None for person in people)
    per_area = Counter(person.area_id for person in people)
    assert len(per_area) == count(Area) == 12 and sum(per_area.values()) == 300
    assert max(per_area.values()) > 2 * min(per_area.values())  # uneven: some big places
    assert len({area.name_fi for area in db.session.scalars(select(Area))}) == 12
    assert Counter(db.session.scalars(select(UserRole.user_id))).most_common(1)[0][1] == 1  # one role each
    assert count(CourseAssignment) > 0 and count(MeetingEdition) == 2


def test_completions_only_where_every_step_is_done(runner, synced):
    generate(runner)
    courses = db.session.scalars(select(Course)).all()
    lessons = {course.id: {lesson.id for lesson in course.active_lessons} for course in courses}
    checks = {
        course.id: {module.active_check.id for module in course.active_modules if module.active_check}
        for course in courses
    }
    done_lessons, passed_checks = defaultdict(set), defaultdict(set)
    for row in db.session.scalars(select(LessonCompletion)):
        done_lessons[row.user_id, row.round].add(row.lesson_id)
    for row in db.session.scalars(select(CheckAttempt).where(CheckAttempt.passed)):
        passed_checks[row.user_id, row.round].add(row.check_id)
    attended = set(
        db.session.execute(
            select(Registration.user_id, TrainingSession.course_id)
            .join(TrainingSession)
            .where(Registration.attendance == Attendance.ATTENDED)
        ).all()
    )
    completions = db.session.scalars(select(CourseCompletion)).all()
    assert completions
    for completion in completions:
        course = completion.course
        key = (completion.user_id, completion.round)
        assert lessons[course.id] <= done_lessons[key] and checks[course.id] <= passed_checks[key]
        assert not course.requires_live_session or (completion.user_id, course.id) in attended
        expected = add_months(completion.completed_at, course.renewal_months) if course.renewal_months else None
        assert completion.expires_at == expected
    assert any(course.requires_live_session for course in courses)
    assert any(completion.course.requires_live_session for completion in completions)


def test_progress_reads_as_the_app_reads_it(runner, synced):
    generate(runner)
    statuses = Counter()
    for enrolment in db.session.scalars(select(Enrolment).order_by(Enrolment.id).limit(150)):
        person = db.session.get(User, enrolment.user_id)
        progress = course_progress(person, enrolment.course)
        statuses[progress.status] += 1
        assert (progress.completion is not None) == (progress.next_step is None)
        if enrolment.round > 1:
            assert any(row.round < enrolment.round for row in progress.history)  # earlier round kept
    assert "completed" in statuses and len(statuses) >= 3  # a mix, as in a real programme
    assert count(CourseCompletion) > db.session.scalar(select(func.count()).where(CourseCompletion.round == 2)) > 0


def test_attempts_are_scored_and_lessons_record_the_text_read(runner, synced):
    generate(runner)
    checks = {check.id: check for check in db.session.scalars(select(KnowledgeCheck))}
    for attempt in db.session.scalars(select(CheckAttempt)):
        check = checks[attempt.check_id]
        correct_count, _ = grade(check, attempt.answers)
        assert attempt.correct_count == correct_count and attempt.question_count == len(check.questions)
        assert attempt.score == round(100 * correct_count / attempt.question_count)
        assert attempt.passed == (attempt.score >= check.pass_mark)
    assert db.session.scalar(select(func.count()).where(CheckAttempt.passed.is_(False))) > 0
    hashes = {(text.lesson_id, text.locale): text.content_hash for text in db.session.scalars(select(LessonText))}
    for row in db.session.scalars(select(LessonCompletion)):
        assert hashes[row.lesson_id, row.locale] == row.content_hash


def test_sessions_never_overbook(runner, synced):
    generate(runner)
    confirmed = Counter(
        db.session.scalars(select(Registration.session_id).where(Registration.status == RegistrationStatus.CONFIRMED))
    )
    sessions = db.session.scalars(select(TrainingSession)).all()
    assert len({session.uid for session in sessions}) == len(sessions)
    for session in sessions:
        assert session.confirmed_count == confirmed[session.id]
        assert session.capacity is None or session.confirmed_count <= session.capacity  # None: no limit
    assert set(db.session.scalars(select(Registration.attendance))) == {None, "attended", "no_show"}
    assert any(session.starts_at > utcnow() for session in sessions)  # seats for those still to attend


def test_running_twice_adds_another_batch(runner, synced):
    generate(runner)
    generate(runner)  # the same seed: names, emails and areas must still not clash
    assert count(User) == 600 and count(Area) == 24 and count(MeetingEdition) == 2
    assert db.session.scalar(select(func.count(func.distinct(User.email)))) == 600


def test_refuses_bad_numbers(runner, synced):
    for args, message in (
        (["--people", "0"], "--people"),
        (["--areas", "0"], "--areas"),
        (["--people", "5", "--areas", "6"], "cannot be more than --people"),
    ):
        result = runner.invoke(args=["demo", "generate", *args])
        assert result.exit_code == 2 and message in result.output, result.output
    assert count(User) == 0


def test_refuses_without_courses(runner, app):
    result = runner.invoke(args=["demo", "generate", "--people", "10", "--areas", "2"])
    assert result.exit_code == 1 and "flask courses sync" in result.output
    assert count(User) == 0
