"""Demo training: every coordinator has the basics course assigned, due in a month, and the demo
coordinator has completed the yearly refresher and started the basics. Idempotent."""
from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.services import find_user_by_email
from ..core.timeutil import utcnow
from ..extensions import db
from . import services
from .models import CourseAssignment

DEMO_COURSE = "kaikukortti-basics"
DEMO_COMPLETED_COURSE = "issuer-staff-refresher"
DEMO_LEARNER = "coordinator@example.org"


def load_demo_assignments() -> int:
    """Assign the basics course to the coordinator role, once; return how many were added.
    Does nothing before `flask courses sync` has brought the course in."""
    course = services.find_course(DEMO_COURSE)
    if course is None or db.session.scalar(select(CourseAssignment).where(
            CourseAssignment.course_id == course.id, CourseAssignment.role == Role.COORDINATOR)):
        return 0
    services.assign(course, (utcnow() + timedelta(days=30)).date(), find_user_by_email("admin@example.org"),
                    role=Role.COORDINATOR)
    return 1


def load_demo_progress() -> int:
    """Give the demo coordinator a completed course (with a certificate) and one lesson read in
    another, through the same services a learner uses; return how many courses were touched."""
    learner = find_user_by_email(DEMO_LEARNER)
    touched = 0
    completed = services.find_course(DEMO_COMPLETED_COURSE)
    if learner and completed and services.enrolment_for(learner, completed) is None:
        for lesson in completed.active_lessons:
            services.complete_lesson(learner, lesson, "fi")
        for module in completed.active_modules:
            if module.active_check:
                right = {question["key"]: [option["key"] for option in question["options"] if option["correct"]]
                         for question in module.active_check.questions}
                services.submit_check(learner, module.active_check, right, "fi")
        touched += 1
    started = services.find_course(DEMO_COURSE)
    if learner and started and services.enrolment_for(learner, started) is None:
        services.complete_lesson(learner, started.active_lessons[0], "fi")
        touched += 1
    return touched
