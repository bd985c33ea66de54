"""Who an assignment reaches is decided by the service: targets are resolved and checked there, all or nothing."""

import pytest

from kaiku_training.accounts.models import Role
from kaiku_training.curriculum import services
from kaiku_training.curriculum.models import CourseAssignment
from kaiku_training.extensions import db
from tests.factories import make_area, make_user


def _assign(course, assigned_by, **target):
    return services.assign_course(
        course,
        None,
        assigned_by,
        **{"target": "person", "emails": "", "area_id": None, "role": Role.COORDINATOR, **target},
    )


def _count() -> int:
    return db.session.query(CourseAssignment).count()


def test_people_are_found_by_their_addresses_in_any_case_and_separator(app, synced_course):
    trainer = make_user(roles=(Role.TRAINER,))
    olli, anna = make_user("olli@example.org"), make_user("anna@example.org")
    assignments = _assign(synced_course, trainer, emails="Olli@Example.org;\n anna@example.org")
    assert {assignment.person for assignment in assignments} == {olli, anna}


def test_one_unknown_address_assigns_nothing(app, synced_course):
    trainer = make_user(roles=(Role.TRAINER,))
    make_user("olli@example.org")
    with pytest.raises(services.AssignmentTargetError) as error:
        _assign(synced_course, trainer, emails="olli@example.org, nobody@example.org")
    assert error.value.field == "emails" and "nobody@example.org" in str(error.value)
    assert _count() == 0


def test_people_need_at_least_one_address(app, synced_course):
    with pytest.raises(services.AssignmentTargetError) as error:
        _assign(synced_course, make_user(roles=(Role.TRAINER,)), emails=" , ")
    assert error.value.field == "emails"


def test_an_area_must_exist(app, synced_course):
    trainer = make_user(roles=(Role.TRAINER,))
    with pytest.raises(services.AssignmentTargetError) as error:
        _assign(synced_course, trainer, target="area", area_id=987654)
    assert error.value.field == "area_id"
    area = make_area()
    [assignment] = _assign(synced_course, trainer, target="area", area_id=area.id)
    assert assignment.area == area


def test_a_role_is_assigned_as_such(app, synced_course):
    [assignment] = _assign(synced_course, make_user(roles=(Role.TRAINER,)), target="role", role=Role.AREA_LEAD)
    assert assignment.role == Role.AREA_LEAD
