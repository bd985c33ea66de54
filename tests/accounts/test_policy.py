"""Who may read which report, as the policy says it (the role matrix checks the pages themselves)."""

from flask_login import AnonymousUserMixin

from kaiku_training.accounts import policy
from kaiku_training.accounts.models import Role
from tests.factories import make_area, make_user


def test_an_area_lead_reads_their_own_areas_records_and_no_other(app):
    home, elsewhere = make_area(), make_area()
    lead = make_user(roles=(Role.AREA_LEAD,), area=home)
    assert policy.can_read_reports(lead) and not policy.can_read_national_report(lead)
    assert policy.report_area(lead) == home.id
    assert policy.may_read_person_report(lead, make_user(area=home))
    assert not policy.may_read_person_report(lead, make_user(area=elsewhere))


def test_an_area_lead_without_an_area_reads_no_reports(app):
    assert not policy.can_read_reports(make_user(roles=(Role.AREA_LEAD,)))


def test_staff_read_everything_and_everyone_their_own_record(app):
    trainer, coordinator, other = make_user(roles=(Role.TRAINER,)), make_user(), make_user(area=make_area())
    assert policy.can_read_national_report(trainer) and policy.report_area(trainer) is None
    assert policy.may_read_person_report(trainer, other)
    assert policy.may_read_person_report(coordinator, coordinator)
    assert not policy.can_read_reports(coordinator) and not policy.may_read_person_report(coordinator, other)


def test_an_anonymous_visitor_has_no_permission_but_anyone(app):
    visitor = AnonymousUserMixin()
    assert policy.anyone(visitor)
    assert not any(permission(visitor) for name, permission in policy.PERMISSIONS.items() if name != "anyone")
