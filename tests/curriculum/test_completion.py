"""A course completes the moment its last requirement is met, whichever it is; attendance taken
back withdraws the completion that relied on it; each learner action is one transaction."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from kaiku_training.accounts.models import Role
from kaiku_training.core import signals
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum import services
from kaiku_training.curriculum.models import CourseCompletion
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events.attendance import AttendanceRefused, set_attendance
from kaiku_training.events.models import Attendance
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db
from kaiku_training.reports.grid import Filters, build_grid
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import make_user

RIGHT = {"card-for": ["a"], "parties": ["culture", "social"]}


@pytest.fixture
def live_course(app, courses_dir):
    write_course(courses_dir, key="live-course", live=True)
    sync_courses(courses_dir)
    return services.find_course("live-course")


def _held_session(course, *people):
    """A session of the course the people registered for, which has now started."""
    session = make_session(course_id=course.id, starts_at=utcnow() + timedelta(days=1))
    registrations = [register_person(session, person, "fi") for person in people]
    session.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    return session, registrations


def _finish_lessons_and_check(person, course):
    for lesson in course.active_lessons:
        services.complete_lesson(person, lesson, "fi")
    services.submit_check(person, course.active_modules[0].active_check, RIGHT, "fi")


def _completions(person):
    db.session.expire_all()
    return db.session.scalars(
        select(CourseCompletion).where(CourseCompletion.user_id == person.id).order_by(CourseCompletion.id)
    ).all()


@contextmanager
def _heard(*watched):
    """What the watched signals sent while the block ran, as (signal name, sender, kwargs)."""
    heard = []
    receivers = {
        signal: (lambda sender, _name=signal.name, **kwargs: heard.append((_name, sender, kwargs)))
        for signal in watched
    }
    for signal, receiver in receivers.items():
        signal.connect(receiver)
    try:
        yield heard
    finally:
        for signal, receiver in receivers.items():
            signal.disconnect(receiver)


@contextmanager
def _commits():
    """The database COMMITs while the block ran (savepoints released are not commits)."""
    counted = []
    listener = lambda _connection: counted.append(1)  # noqa: E731
    event.listen(db.engine, "commit", listener)
    try:
        yield counted
    finally:
        event.remove(db.engine, "commit", listener)


def test_attendance_marked_last_completes_the_course(live_course):
    person = make_user()
    _finish_lessons_and_check(person, live_course)
    session, [registration] = _held_session(live_course, person)
    assert _completions(person) == []
    with _heard(signals.attendance_marked, signals.course_completed) as heard:
        set_attendance(session, {registration.id: Attendance.ATTENDED})
    [completion] = _completions(person)
    assert services.course_progress(person, live_course).status == "completed"
    sent = {name: kwargs for name, _sender, kwargs in heard}
    assert sent["attendance-marked"] == {"previous": None, "actor": None}
    assert sent["course-completed"]["completion"].id == completion.id


def test_attendance_in_bulk_completes_everyone_who_had_only_the_session_left(live_course):
    first, second, unfinished = make_user(), make_user(), make_user()
    _finish_lessons_and_check(first, live_course)
    _finish_lessons_and_check(second, live_course)
    session, registrations = _held_session(live_course, first, second, unfinished)
    set_attendance(session, {registration.id: Attendance.ATTENDED for registration in registrations})
    assert (len(_completions(first)), len(_completions(second)), len(_completions(unfinished))) == (1, 1, 0)


def test_no_show_after_attended_withdraws_the_completion_and_attending_again_completes(live_course):
    person = make_user()
    _finish_lessons_and_check(person, live_course)
    session, [registration] = _held_session(live_course, person)
    set_attendance(session, {registration.id: Attendance.ATTENDED})
    with _heard(signals.completion_withdrawn) as heard:
        set_attendance(session, {registration.id: Attendance.NO_SHOW})
    [withdrawn] = _completions(person)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawal_reason == "attendance_removed"
    assert [kwargs["reason"] for _name, _sender, kwargs in heard] == ["attendance_removed"]
    progress = services.course_progress(person, live_course)
    assert progress.completion is None and progress.status == "awaiting_live_session"
    assert [row.id for row in progress.history] == [withdrawn.id]

    set_attendance(session, {registration.id: Attendance.ATTENDED})
    assert [row.withdrawn_at is None for row in _completions(person)] == [False, True]
    assert services.course_progress(person, live_course).status == "completed"


def test_a_withdrawn_completion_counts_as_none_in_the_reports(live_course, client, auth):
    person = make_user()
    _finish_lessons_and_check(person, live_course)
    session, [registration] = _held_session(live_course, person)
    set_attendance(session, {registration.id: Attendance.ATTENDED})
    assert build_grid(Filters()).rows[0].cells[0].status == "completed"
    set_attendance(session, {registration.id: None})
    [row] = build_grid(Filters()).rows
    assert row.cells[0].status == services.course_progress(person, live_course).status == "awaiting_live_session"

    make_user("admin@example.org", roles=[Role.ADMIN])
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    record = client.get(f"/reports/people/{person.id}").get_data(as_text=True)
    assert "Waiting for a live session" in record and "Earlier completions:" in record and "(Withdrawn" in record


def test_attendance_before_the_start_is_refused_and_nothing_changes(live_course):
    person = make_user()
    session = make_session(course_id=live_course.id, starts_at=utcnow() + timedelta(hours=1))
    registration = register_person(session, person, "fi")
    with pytest.raises(AttendanceRefused):
        set_attendance(session, {registration.id: Attendance.ATTENDED})
    db.session.refresh(registration)
    assert registration.attendance is None


def test_a_sync_that_archives_the_last_unread_lesson_completes_the_course(app, courses_dir):
    folder = write_course(courses_dir)
    sync_courses(courses_dir)
    course = services.find_course("test-course")
    person = make_user()
    services.complete_lesson(person, course.active_lessons[1], "fi")
    services.submit_check(person, course.active_modules[0].active_check, RIGHT, "fi")
    assert _completions(person) == []

    toml = folder / "course.toml"
    toml.write_text(toml.read_text().replace('lessons = ["first", "second"]', 'lessons = ["second"]'))
    for text in folder.glob("lessons/first.*.md"):
        text.unlink()
    with _heard(signals.content_synced, signals.course_completed) as heard:
        report = sync_courses(courses_dir)
    assert not report.errors and report.counts["lessons archived"] == 1
    [completion] = _completions(person)
    assert services.course_progress(person, course).status == "completed"
    sent = {name: kwargs for name, _sender, kwargs in heard}
    assert [c.key for c in sent["content-synced"]["changed_courses"]] == ["test-course"]
    assert [lesson.key for lesson in sent["content-synced"]["archived_lessons"]] == ["first"]
    assert sent["course-completed"]["completion"].id == completion.id


def test_learner_actions_commit_once_and_announce_what_they_did(app, courses_dir):
    write_course(courses_dir)
    sync_courses(courses_dir)
    course = services.find_course("test-course")
    person = make_user()
    first, second = course.active_lessons
    check = course.active_modules[0].active_check
    watched = (signals.lesson_completed, signals.check_attempted, signals.check_passed, signals.course_completed)
    with _heard(*watched) as heard, _commits() as commits:
        services.complete_lesson(person, first, "fi")
        assert len(commits) == 1
        services.complete_lesson(person, second, "fi")
        services.submit_check(person, check, {"card-for": ["b"], "parties": ["culture"]}, "fi")
        assert len(commits) == 3
        services.submit_check(person, check, RIGHT, "fi")
        assert len(commits) == 4
    assert [(name, kwargs.get("passed")) for name, _sender, kwargs in heard] == [
        ("lesson-completed", None),
        ("lesson-completed", None),
        ("check-attempted", False),
        ("check-attempted", True),
        ("check-passed", None),
        ("course-completed", None),
    ]
    assert all(sender.id == person.id for _name, sender, _kwargs in heard)
    assert heard[-1][2]["course"].id == course.id
