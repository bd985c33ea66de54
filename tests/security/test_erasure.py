"""After erasure the database holds the erased person's (or guest's) former name and address
nowhere: every text column of every table is searched for them."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import Text, cast, func, or_, select

from kaiku_training.accounts import services as accounts
from kaiku_training.accounts.models import Role
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events.registrations import register_person
from kaiku_training.events.services import message_registrants
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage
from kaiku_training.outbox.services import deliver_due
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import make_admin, make_user

TEXT_TYPES = ("CHAR", "TEXT", "JSON", "CLOB", "STRING")


def rows_holding(*needles: str) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text or JSON value in the database that contains one of
    the needles, whatever the case; JSON's escaped form of non-ASCII letters counts too."""
    forms = {form for needle in needles for form in (needle.lower(), json.dumps(needle.lower())[1:-1])}
    found = []
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns if any(kind in str(column.type).upper() for kind in TEXT_TYPES)]
        for column in columns:
            text = func.lower(cast(column, Text))
            for value in db.session.scalars(
                select(cast(column, Text)).where(or_(*(text.contains(form, autoescape=True) for form in forms)))
            ):
                found.append((table.name, column.name, value[:200]))
    return found


@pytest.fixture
def trainer_history(app, client, auth, courses_dir, smtp_server):
    """Tiina, trainer and admin, with a history that quotes her: invited under one name and
    renamed, assigned a course with a colleague in one go, inviting a colleague herself and
    messaging her session's registrants (one message sent, one still queued)."""
    write_course(courses_dir)
    assert not sync_courses(courses_dir).errors
    course = curriculum.find_course("test-course")
    admin = make_admin(email="admin@example.org", name="Ada Admin")
    tiina = accounts.invite(
        "tiina@example.org", "Tiina Kouluttaja", [Role.TRAINER, Role.ADMIN], None, None, "fi", invited_by=admin
    )
    accounts.update_person(
        tiina,
        name="Tiina Uusinimi",
        roles=[Role.TRAINER, Role.ADMIN],
        area=None,
        sector=None,
        locale="fi",
        changed_by=admin,
    )
    make_user("olli@example.org", name="Olli Osallistuja")
    auth.sign_in("admin@example.org")
    response = client.post(
        "/manage/assignments",
        data={
            "course_id": course.id,
            "target": "person",
            "area_id": 0,
            "role": "coordinator",
            "emails": "olli@example.org, Tiina@Example.org",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    accounts.invite("uusi@example.org", "Uusi Ihminen", [Role.COORDINATOR], None, None, "fi", invited_by=tiina)
    session = make_session(starts_at=utcnow() + timedelta(days=5))
    session.trainers = [tiina]
    register_person(session, accounts.find_user_by_email("olli@example.org"), "fi")
    message_registrants(session, "Tervetuloa", "Nähdään pian.", sender=tiina)
    deliver_due()
    message_registrants(session, "Muistutus", "Muistakaa kamera.", sender=tiina)  # still queued
    return admin, tiina


FORMER = ("tiina@example.org", "Tiina Kouluttaja", "Tiina Uusinimi")


def test_erasing_a_trainer_leaves_her_name_and_address_nowhere(client, auth, trainer_history, smtp_server):
    admin, tiina = trainer_history
    assert rows_holding(*FORMER)  # the search finds what is there
    response = client.post(f"/manage/people/{tiina.id}/erase", data={"confirm_email": "tiina@example.org"})
    assert response.status_code == 302
    db.session.expire_all()
    left = rows_holding(*FORMER)
    assert left == [], "\n".join(map(repr, left))
    kept = {table for table, _column, _value in rows_holding("Uusi Ihminen", "olli@example.org")}
    assert kept == {"user", "audit_event", "outbox_message"}  # what others did and were sent stays
    smtp_server.messages.clear()
    deliver_due()
    [message] = smtp_server.messages  # the message still queued goes out, naming no one erased
    assert message["To"] == "olli@example.org" and message["Reply-To"] is None
    assert not any(former.lower() in message.as_string().lower() for former in FORMER)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) > 0  # others' emails stay
