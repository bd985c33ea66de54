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


def queue_password_resets(count: int) -> None:
    """`count` password-reset emails in the outbox, to person0@example.org and on, committed."""
    from kaiku_training.outbox.services import queue_email

    for number in range(count):
        queue_email(
            f"person{number}@example.org",
            "en",
            "password_reset",
            name=f"Person {number}",
            link=f"http://127.0.0.1:5000/password/reset/x{number}",
            valid_hours=2,
        )
    db.session.commit()
