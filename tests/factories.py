"""Build the people and areas a test needs, with sensible defaults."""

from itertools import count

from kaiku_training.accounts import services
from kaiku_training.accounts.models import Area, AreaKind, AreaStatus, Role
from kaiku_training.extensions import db

PASSWORD = "correct horse battery"
_numbers = count(1)


def make_area(name_fi=None, **fields) -> Area:
    number = next(_numbers)
    area = Area(
        name_fi=name_fi or f"Testikunta {number}",
        name_sv=fields.pop("name_sv", f"Testkommun {number}"),
        name_en=fields.pop("name_en", f"Test municipality {number}"),
        kind=fields.pop("kind", AreaKind.MUNICIPALITY),
        status=fields.pop("status", AreaStatus.PERMANENT),
        **fields,
    )
    db.session.add(area)
    db.session.commit()
    return area


def make_user(email=None, roles=(Role.COORDINATOR,), password=PASSWORD, **fields):
    user = services.create_user(
        email or f"person{next(_numbers)}@example.org",
        fields.pop("name", "Testi Henkilö"),
        roles=roles,
        password=password,
        **fields,
    )
    db.session.commit()
    return user


def make_admin(**fields):
    return make_user(roles=(Role.ADMIN,), **fields)
