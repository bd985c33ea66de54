"""Demo training: every coordinator has the basics course assigned, due in a month; the demo
coordinator has completed the yearly refresher and started the basics; the other demo people
are at different points. Idempotent."""

from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.services import find_user_by_email
from ..core.timeutil import utcnow
from ..curriculum import services
from ..curriculum.models import CourseAssignment
from ..extensions import db

DEMO_COURSE = "kaikukortti-basics"
DEMO_COMPLETED_COURSE = "issuer-staff-refresher"
DEMO_LEARNER = "coordinator@example.org"


def load_demo_assignments() -> int:
    """Assign the basics course to the coordinator role, once; return how many were added.
    Does nothing before `flask courses sync` has brought the course in."""
    course = services.find_course(DEMO_COURSE)
    if course is None or db.session.scalar(
        select(CourseAssignment).where(
            CourseAssignment.course_id == course.id, CourseAssignment.role == Role.COORDINATOR
        )
    ):
        return 0
    admin = find_user_by_email("admin@example.org")
    if admin is None:  # the accounts demo comes first; without it nobody assigns
        return 0
    services.assign(course, (utcnow() + timedelta(days=30)).date(), admin, role=Role.COORDINATOR)
    return 1


# Who has done what: a number of lessons read, or ALL for the whole course with its checks.
ALL = None
DEMO_PROGRESS = [
    (DEMO_LEARNER, DEMO_COMPLETED_COURSE, ALL),
    (DEMO_LEARNER, DEMO_COURSE, 1),
    ("arealead@example.org", DEMO_COURSE, ALL),
    ("matti.virtanen@example.org", DEMO_COURSE, 3),
    ("sanna.korhonen@example.org", DEMO_COURSE, ALL),
    ("sanna.korhonen@example.org", DEMO_COMPLETED_COURSE, ALL),
    ("johan.lindqvist@example.org", DEMO_COURSE, 5),
    ("anna.nieminen@example.org", DEMO_COMPLETED_COURSE, 2),
    ("pekka.makinen@example.org", "running-a-pilot", 4),
]


def load_demo_progress() -> int:
    """Give the demo people their progress through the same services a learner uses; return
    how many enrolments were added."""
    touched = 0
    for email, course_key, lessons_read in DEMO_PROGRESS:
        learner, course = find_user_by_email(email), services.find_course(course_key)
        if learner and course and services.enrolment_for(learner, course) is None:
            _take(learner, course, lessons_read)
            touched += 1
    return touched


def _take(learner, course, lessons_read: int | None) -> None:
    locale = learner.locale or "fi"
    for lesson in course.active_lessons[:lessons_read]:
        services.complete_lesson(learner, lesson, locale)
    if lessons_read is ALL:
        for module in course.active_modules:
            if module.active_check:
                right = {
                    question["key"]: [option["key"] for option in question["options"] if option["correct"]]
                    for question in module.active_check.questions
                }
                services.submit_check(learner, module.active_check, right, locale)
