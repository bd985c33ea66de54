"""A coordinator enrols, reads lessons, passes the knowledge check and gets a certificate;
the dashboard and the course page agree on progress at every step."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.curriculum import services
from kaiku_training.curriculum.models import CheckAttempt, CourseCompletion, Enrolment, LessonCompletion
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.extensions import db
from tests.curriculum.content import write_course
from tests.factories import make_area, make_user

RIGHT = {"card-for": "a", "parties": ["culture", "social"]}
WRONG = {"card-for": "b", "parties": ["culture"]}


def _percent(page: str, element_id: str) -> int:
    return int(re.search(rf'id="{element_id}" max="100" value="(\d+)"', page).group(1))


def _agree(client, expected: int):
    course_page = client.get("/courses/test-course").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert _percent(course_page, "course-progress") == expected
    assert _percent(home, "dashboard-progress-test-course") == expected


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_complete_a_course_in_each_language(client, auth, app, synced_course, locale):
    person = make_user("aino@example.org", name="Aino Virtanen", locale=locale)
    auth.sign_in("aino@example.org")
    catalogue = client.get("/courses/").get_data(as_text=True)
    assert {"fi": "Testikurssi", "sv": "Testkurs", "en": "Test course"}[locale] in catalogue

    client.post("/courses/test-course/enrol")
    _agree(client, 0)
    lesson_page = client.get("/courses/test-course/lessons/first").get_data(as_text=True)
    assert f"First {locale}" in lesson_page and 'class="toc"' in lesson_page
    response = client.post("/courses/test-course/lessons/first/complete")
    assert response.headers["Location"].endswith("/courses/test-course/lessons/second")
    _agree(client, 33)
    response = client.post("/courses/test-course/lessons/second/complete")
    assert response.headers["Location"].endswith("/courses/test-course/checks/basics")
    _agree(client, 67)

    failed = client.post("/courses/test-course/checks/basics", data=WRONG).get_data(as_text=True)
    assert "0 %" in failed or "(0 %)" in failed
    _agree(client, 67)
    passed = client.post("/courses/test-course/checks/basics", data=RIGHT).get_data(as_text=True)
    assert "(100 %)" in passed
    _agree(client, 100)

    completion = db.session.scalar(select(CourseCompletion))
    assert completion.user_id == person.id and completion.content_hash == synced_course.content_hash
    assert completion.expires_at.date() in {
        completion.completed_at.date().replace(year=completion.completed_at.year + 1)
    }
    certificate = client.get("/courses/test-course/certificate").get_data(as_text=True)
    assert (
        "Aino Virtanen" in certificate
        and {"fi": "Testikurssi", "sv": "Testkurs", "en": "Test course"}[locale] in certificate
    )
    attempts = db.session.scalars(select(CheckAttempt).order_by(CheckAttempt.id)).all()
    assert [(a.score, a.passed) for a in attempts] == [(0, False), (100, True)]
    assert attempts[1].answers == {"card-for": ["a"], "parties": ["culture", "social"]}


def test_unanswered_question_is_marked_and_nothing_is_stored(client, auth, app, synced_course):
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.post("/courses/test-course/checks/basics", data={"card-for": "a"}).get_data(as_text=True)
    assert 'id="parties-error"' in page and 'aria-describedby="parties-error"' in page
    assert 'value="a" checked' in page  # the answer given is kept
    assert db.session.scalar(select(CheckAttempt)) is None


def test_certificate_needs_a_completion(client, auth, app, synced_course):
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    assert client.get("/courses/test-course/certificate").status_code == 404


def _complete(person, course):
    for lesson in course.active_lessons:
        services.complete_lesson(person, lesson, "fi")
    check = course.active_modules[0].active_check
    return services.submit_check(person, check, {"card-for": ["a"], "parties": ["culture", "social"]}, "fi")


def test_renewal_due_then_expired_then_taken_again_keeps_history(client, auth, app, synced_course):
    person = make_user("aino@example.org")
    _complete(person, synced_course)
    completion = db.session.scalar(select(CourseCompletion))
    assert services.course_progress(person, synced_course).status == "completed"

    completion.expires_at = completion.completed_at + timedelta(days=30)  # inside the notice period
    db.session.commit()
    auth.sign_in("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    assert "Renewal due" in client.get("/courses/test-course").get_data(as_text=True)

    completion.completed_at -= timedelta(days=400)
    completion.expires_at = completion.completed_at + timedelta(days=365)
    db.session.commit()
    page = client.get("/courses/test-course").get_data(as_text=True)
    assert "Expired" in page and "Take the course again" in page

    client.post("/courses/test-course/renew")
    progress = services.course_progress(person, synced_course)
    assert progress.status == "in_progress" and progress.percent == 0
    assert len(progress.history) == 1 and progress.completion is None
    assert db.session.scalar(select(Enrolment)).round == 2
    _complete(person, synced_course)
    progress = services.course_progress(person, synced_course)
    assert progress.status == "completed" and [c.round for c in progress.history] == [2, 1]
    assert db.session.query(LessonCompletion).count() == 4  # both rounds kept
    assert client.get("/courses/test-course/certificate?round=1").status_code == 200


def test_live_session_requirement_stays_pending(app, courses_dir):
    write_course(courses_dir, key="live-course", live=True)
    sync_courses(courses_dir)
    course = services.find_course("live-course")
    person = make_user()
    _complete(person, course)
    progress = services.course_progress(person, course)
    assert progress.status == "awaiting_live_session" and progress.completion is None
    assert progress.percent == 75


def test_area_assignment_reaches_people_who_join_later(client, auth, app, synced_course):
    make_user("trainer@example.org", roles=[Role.TRAINER])
    area = make_area("Esimerkkilä")
    auth.sign_in("trainer@example.org")
    due = date.today() + timedelta(days=30)
    response = client.post(
        "/manage/assignments",
        data={
            "course_id": synced_course.id,
            "target": "area",
            "area_id": area.id,
            "role": "coordinator",
            "due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302
    auth.sign_out()
    newcomer = make_user("new@example.org", area=area)
    assert [p.course.key for p in services.dashboard(newcomer)] == ["test-course"]
    progress = services.dashboard(newcomer)[0]
    assert progress.status == "not_started" and progress.due_on == due
    outsider = make_user("other@example.org")
    assert services.dashboard(outsider) == []


def test_overdue_assignment(app, synced_course):
    person = make_user()
    services.assign(synced_course, date.today() - timedelta(days=1), person, person=person)
    assert services.dashboard(person)[0].status == "overdue"


def test_assignment_form_errors(client, auth, app, synced_course):
    make_user("trainer@example.org", roles=[Role.TRAINER])
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    make_user("aino@example.org")
    page = client.post(
        "/manage/assignments",
        data={
            "course_id": synced_course.id,
            "target": "person",
            "emails": "aino@example.org, ghost@example.org",
            "area_id": 0,
            "role": "coordinator",
        },
    ).get_data(as_text=True)
    assert 'id="emails-error"' in page and "ghost@example.org. Nothing was assigned." in page
    assert services.all_assignments() == []
    response = client.post(
        "/manage/assignments",
        data={
            "course_id": synced_course.id,
            "target": "person",
            "emails": "aino@example.org\ntrainer@example.org",
            "area_id": 0,
            "role": "coordinator",
        },
    )
    assert response.status_code == 302 and len(services.all_assignments()) == 2


def test_coordinators_cannot_assign(client, auth, app, synced_course):
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    assert client.get("/manage/assignments").status_code == 403


def test_course_pages_need_sign_in(client, app, synced_course):
    assert client.get("/courses/test-course").status_code == 302


def test_course_files_are_served_with_caching(client, auth, app, synced_course):
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    response = client.get("/courses/test-course/files/diagram.svg")
    assert response.status_code == 200 and "max-age=86400" in response.headers["Cache-Control"]
    assert response.headers.get("ETag")
    assert client.get("/courses/test-course/files/../course.toml").status_code == 404


def test_catalogue_filters(client, auth, app, courses_dir):
    write_course(courses_dir, key="finnish-only", languages=("fi",))
    write_course(courses_dir, key="all-languages")
    sync_courses(courses_dir)
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    page = client.get("/courses/?language=sv").get_data(as_text=True)
    assert "/courses/all-languages" in page and "/courses/finnish-only" not in page
    page = client.get("/courses/?audience=admin").get_data(as_text=True)
    assert "/courses/all-languages" not in page


def test_demo_data_assigns_and_gives_the_coordinator_progress(app, courses_dir, runner):
    write_course(courses_dir, key="kaikukortti-basics")
    write_course(courses_dir, key="issuer-staff-refresher")
    sync_courses(courses_dir)
    assert "1 course assignments" in runner.invoke(args=["demo", "load"]).output
    assert "0 course assignments" in runner.invoke(args=["demo", "load"]).output
    from kaiku_training.accounts.services import find_user_by_email

    coordinator = find_user_by_email("coordinator@example.org")
    basics, refresher = sorted(services.dashboard(coordinator), key=lambda p: p.course.key)[::-1]
    assert basics.course.key == "kaikukortti-basics" and basics.due_on is not None
    assert basics.status == "in_progress" and basics.done_count == 1
    assert refresher.status == "completed" and refresher.completion.expires_at is not None
