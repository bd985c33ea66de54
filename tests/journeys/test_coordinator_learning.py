"""C2, C3, C4: a coordinator learns through the course pages, registers for a course's live
session, is marked attended by a trainer and renews an expiring completion."""

from datetime import timedelta

from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.models import CourseCompletion, Enrolment
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events.models import Registration
from kaiku_training.extensions import db
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import make_user
from tests.journeys.conftest import set_language, sign_in
from tests.web import Browser, Page

RIGHT = {"card-for": "a", "parties": ["culture", "social"]}
WRONG = {"card-for": "b", "parties": ["culture"]}
LIVE_TITLE = {"fi": "Kortti käytännössä", "sv": "Kortet i praktiken", "en": "The card in practice"}


def _synced_course(courses_dir, **options):
    write_course(courses_dir, **options)
    report = sync_courses(courses_dir)
    assert not report.errors, report.errors
    return curriculum.find_course(options.get("key", "test-course"))


def _coordinator(browser: Browser, email="aino@example.org", **fields):
    person = make_user(email, name="Aino Virtanen", **fields)
    sign_in(browser, email)
    set_language(browser, "en")
    return person


def _read_every_lesson(page: Page) -> Page:
    """From the course page, follow "Continue" and mark each lesson read until the check."""
    page = page.follow("Continue: First en")
    page = page.form(button="Mark as completed").submit()
    assert "Second en" in page.text
    return page.form(button="Mark as completed").submit()


def _pass_the_check(page: Page) -> Page:
    page = page.form(button="Check my answers").fill(**RIGHT).submit()
    assert "Passed" in page.text
    return page.follow("Back to the course")


def _completions(person, course) -> list[CourseCompletion]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(CourseCompletion)
            .where(CourseCompletion.user_id == person.id, CourseCompletion.course_id == course.id)
            .order_by(CourseCompletion.id)
        )
    )


def test_c2_enrol_read_fail_pass_and_print_the_certificate(browser, courses_dir):
    course = _synced_course(courses_dir)
    person = _coordinator(browser)

    page = browser.get("/courses/").follow("Test course")
    page = page.form(button="Enrol in this course").submit()
    assert "You are enrolled" in page.text and "0 of 3 steps done" in page.text
    page = _read_every_lesson(page)
    assert "Knowledge check: Basics" in page.text

    page = page.form(button="Check my answers").fill(**WRONG).submit()
    assert "Not passed yet" in page.text and "0 of 2 right (0 %)" in page.text
    assert "2 of 3 steps done" in browser.get("/courses/test-course").text
    page = page.form(button="Check my answers").fill(**RIGHT).submit()
    assert "Passed" in page.text and "2 of 2 right (100 %)" in page.text

    page = page.follow("Back to the course")
    assert "Completed" in page.text and "3 of 3 steps done" in page.text
    certificate = page.follow("Show your certificate")
    assert "Aino Virtanen" in certificate.text and "Test course" in certificate.text
    assert "print" in certificate.text
    [completion] = _completions(person, course)
    assert completion.round == 1 and completion.withdrawn_at is None


def _live_course_and_session(courses_dir):
    course = _synced_course(courses_dir, key="live-course", live=True)
    session = make_session(course_id=course.id, starts_at=utcnow() + timedelta(days=3), title=LIVE_TITLE)
    make_user("trainer@example.org", name="Tiina Kouluttaja", roles=[Role.TRAINER])
    return course, session


def _register_from_the_course_page(browser: Browser) -> Page:
    page = browser.get("/courses/live-course")
    page = page.follow("The card in practice")
    page = page.form(button="Register").submit()
    assert "You are registered" in page.text
    return page


def _session_has_started(session) -> None:
    """Time passes: the session is under way."""
    session.starts_at, session.ends_at = utcnow() - timedelta(minutes=30), utcnow() + timedelta(minutes=30)
    db.session.commit()


def _trainer_marks(new_browser, session, person, mark: str) -> Page:
    trainer = new_browser()
    sign_in(trainer, "trainer@example.org")
    set_language(trainer, "en")
    registration = db.session.scalar(
        select(Registration).where(Registration.user_id == person.id, Registration.session_id == session.id)
    )
    form = trainer.get(f"/manage/sessions/{session.id}").form(button="Save attendance")
    page = form.fill(**{f"attendance-{registration.id}": mark}).submit()
    assert "Attendance saved (1 changed)" in page.text, page.text[:500]
    return page


def test_c3_attendance_marked_last_completes_the_course(browser, new_browser, courses_dir):
    course, session = _live_course_and_session(courses_dir)
    person = _coordinator(browser)
    page = browser.get("/courses/live-course").form(button="Enrol in this course").submit()
    page = _pass_the_check(_read_every_lesson(page))
    assert "Waiting for a live session" in page.text and _completions(person, course) == []
    _register_from_the_course_page(browser)

    _session_has_started(session)
    _trainer_marks(new_browser, session, person, "attended")

    page = browser.get("/courses/live-course")
    assert "Completed" in page.text and "4 of 4 steps done" in page.text
    assert "Aino Virtanen" in page.follow("Show your certificate").text
    [completion] = _completions(person, course)
    assert completion.withdrawn_at is None


def test_c3_lesson_read_last_completes_the_course(browser, new_browser, courses_dir):
    course, session = _live_course_and_session(courses_dir)
    person = _coordinator(browser)
    browser.get("/courses/live-course").form(button="Enrol in this course").submit()
    _register_from_the_course_page(browser)
    _session_has_started(session)
    _trainer_marks(new_browser, session, person, "attended")

    page = browser.get("/courses/live-course")
    assert "In progress" in page.text and "1 of 4 steps done" in page.text
    page = _pass_the_check(page.follow("Knowledge check"))
    assert "2 of 4 steps done" in page.text and _completions(person, course) == []
    page = _read_every_lesson(page)
    page = browser.get("/courses/live-course")
    assert "Completed" in page.text and "4 of 4 steps done" in page.text
    assert "Aino Virtanen" in page.follow("Show your certificate").text
    assert len(_completions(person, course)) == 1


def test_c3_unmarking_attendance_withdraws_the_completion_and_the_history_shows_it(browser, new_browser, courses_dir):
    course, session = _live_course_and_session(courses_dir)
    person = _coordinator(browser)
    page = browser.get("/courses/live-course").form(button="Enrol in this course").submit()
    _pass_the_check(_read_every_lesson(page))
    _register_from_the_course_page(browser)
    _session_has_started(session)
    _trainer_marks(new_browser, session, person, "attended")
    certificate_url = browser.get("/courses/live-course").link("Show your certificate")

    _trainer_marks(new_browser, session, person, "no_show")
    page = browser.get("/courses/live-course")
    assert "Waiting for a live session" in page.text and "Show your certificate" not in page.text
    assert "Withdrawn" in page.text and "attendance at the live session was removed" in page.text
    certificate = browser.get(certificate_url)
    assert "This completion was withdrawn" in certificate.text and "This certifies that" not in certificate.text
    [withdrawn] = _completions(person, course)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawal_reason == "attendance_removed"

    _trainer_marks(new_browser, session, person, "attended")  # the trainer corrects the mistake
    page = browser.get("/courses/live-course")
    assert "Completed" in page.text and "Withdrawn" in page.text
    assert [c.withdrawn_at is None for c in _completions(person, course)] == [False, True]


def test_c4_renew_an_expiring_completion_and_keep_the_earlier_round(browser, courses_dir):
    course = _synced_course(courses_dir, renewal_months=12)
    person = _coordinator(browser)
    for lesson in course.active_lessons:  # a year ago
        curriculum.complete_lesson(person, lesson, "en")
    curriculum.submit_check(person, course.active_modules[0].active_check, RIGHT, "en")
    [earlier] = _completions(person, course)
    earlier.completed_at = utcnow() - timedelta(days=340)
    earlier.expires_at = utcnow() + timedelta(days=25)
    db.session.commit()

    home = browser.get("/")
    assert "Renewal due" in home.text and "renew by" in home.text
    page = home.follow("Renew the course")
    assert "renew by" in page.text
    page = page.form(button="Take the course again to renew").submit()
    assert "A new round has started" in page.text and "0 of 3 steps done" in page.text
    page = _pass_the_check(_read_every_lesson(page))
    assert "Completed" in page.text and "valid until" in page.text

    completions = _completions(person, course)
    assert [c.round for c in completions] == [1, 2]
    assert db.session.scalar(select(Enrolment.round).where(Enrolment.user_id == person.id)) == 2
    history = page.text[page.text.index("Your completions") :]
    assert history.count("Completed") == 2
    assert "Aino Virtanen" in browser.get("/courses/test-course/certificate?round=1").text
