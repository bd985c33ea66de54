"""Demo assignments: every coordinator has the basics course, due in a month. Idempotent."""
from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.services import find_user_by_email
from ..core.timeutil import utcnow
from ..extensions import db
from . import services
from .models import CourseAssignment

DEMO_COURSE = "kaikukortti-basics"


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
