"""The rules that guard people and areas hold in the services, whoever calls them (a view, the CLI, a job)."""

import pytest

from kaiku_training.accounts import privacy, services
from kaiku_training.accounts.models import AreaKind, AreaStatus, Role
from kaiku_training.extensions import db
from tests.factories import make_admin, make_area, make_user


def _fields(person, **changes):
    return {
        "name": person.name,
        "roles": sorted(person.roles),
        "area": person.area,
        "sector": person.sector,
        "locale": person.locale,
        **changes,
    }


def test_an_admin_cannot_take_away_their_own_admin_role(app):
    admin = make_admin()
    with pytest.raises(services.AccountError):
        services.update_person(admin, **_fields(admin, roles=[Role.TRAINER]), changed_by=admin)
    db.session.rollback()
    assert admin.has_role(Role.ADMIN)


def test_an_admin_may_take_away_another_admins_role(app):
    admin, other = make_admin(), make_admin()
    services.update_person(other, **_fields(other, roles=[Role.TRAINER]), changed_by=admin)
    assert not other.has_role(Role.ADMIN)


def test_an_admin_cannot_deactivate_themselves(app):
    admin = make_admin()
    with pytest.raises(services.AccountError):
        services.set_active(admin, False, actor=admin)
    assert admin.active


def test_an_erased_person_is_not_changed_reactivated_or_reinvited(app):
    admin, person = make_admin(), make_user()
    privacy.erase(person, erased_by=admin)
    with pytest.raises(services.PersonErased):
        services.update_person(person, **_fields(person, name="Uusi Nimi"), changed_by=admin)
    with pytest.raises(services.PersonErased):
        services.set_active(person, True, actor=admin)
    with pytest.raises(services.PersonErased):
        services.reinvite(person, admin)
    db.session.rollback()
    assert not person.active and person.name != "Uusi Nimi"


AREA = {
    "name_sv": "Kommun",
    "name_en": "Municipality",
    "kind": AreaKind.MUNICIPALITY,
    "status": AreaStatus.PERMANENT,
    "pilot_started_on": None,
    "permanent_since": None,
    "ended_on": None,
}


def test_an_area_name_is_not_taken_twice_in_any_case(app):
    existing = make_area("Kaikula")
    with pytest.raises(services.AccountError):
        services.save_area(None, {**AREA, "name_fi": "KAIKULA"})
    other = make_area("Muula")
    with pytest.raises(services.AccountError):
        services.save_area(other, {**AREA, "name_fi": "kaikula"})
    db.session.rollback()
    assert other.name_fi == "Muula" and existing.name_fi == "Kaikula"


def test_an_area_keeps_its_own_name_when_saved(app):
    area = make_area("Kaikula")
    saved = services.save_area(area, {**AREA, "name_fi": "Kaikula", "name_en": "Kaikula town"})
    assert saved is area and area.name_en == "Kaikula town"
    created = services.save_area(None, {**AREA, "name_fi": "Uusikunta"})
    assert created.id is not None and created.name_fi == "Uusikunta"
