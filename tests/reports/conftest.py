"""A small population with known progress: the figures every report test expects."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from kaiku_training.accounts.models import AreaKind, Role, Sector
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.sync import sync_courses
from tests.curriculum.content import write_course
from tests.factories import make_area, make_user


@dataclass
class Population:
    course: object
    north: object
    south: object
    admin: object
    lead: object
    done: object  # completed the course, in the north
    halfway: object  # read one lesson of two, in the north
    overdue: object  # assigned with a past due date, nothing done, in the south
    untouched: object  # never enrolled, in the south


def complete_course(person, course):
    for lesson in course.active_lessons:
        curriculum.complete_lesson(person, lesson, "fi")
    check = course.active_modules[0].active_check
    curriculum.submit_check(person, check, {"card-for": ["a"], "parties": ["culture", "social"]}, "fi")


@pytest.fixture
def population(app, courses_dir):
    write_course(courses_dir)
    assert not sync_courses(courses_dir).errors
    course = curriculum.find_course("test-course")
    north = make_area("Pohjola", name_sv="Norrland", name_en="North", kind=AreaKind.CITY)
    south = make_area("Etelä", name_sv="Söder", name_en="South", kind=AreaKind.MUNICIPALITY)
    admin = make_user("admin@example.org", name="Ada Admin", roles=[Role.ADMIN])
    lead = make_user(
        "lead@example.org",
        name="Leena Aluevastaava",
        roles=[Role.AREA_LEAD, Role.COORDINATOR],
        area=north,
        sector=Sector.CULTURE,
    )
    done = make_user("done@example.org", name="Aino Valmis", area=north, sector=Sector.CULTURE, password=None)
    halfway = make_user("halfway@example.org", name="Bertta Puolivälissä", area=north, sector=Sector.SOCIAL_HEALTH)
    overdue = make_user(
        "overdue@example.org", name="Cecilia Myöhässä", area=south, sector=Sector.WELLBEING, password=None
    )
    untouched = make_user(
        "untouched@example.org", name="Daniel Koskematon", area=south, sector=Sector.CULTURE, password=None
    )
    complete_course(done, course)
    curriculum.complete_lesson(halfway, course.active_lessons[0], "sv")
    curriculum.assign(course, date.today() - timedelta(days=3), admin, person=overdue)
    return Population(course, north, south, admin, lead, done, halfway, overdue, untouched)
