"""The database itself refuses rows that break the data model's rules, whatever code writes them."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from kaiku_training.accounts.models import Role
from kaiku_training.events.models import TrainingSession
from kaiku_training.extensions import db, prefixed
from kaiku_training.outbox.models import OutboxMessage
from tests.factories import make_user

STARTS = datetime(2027, 3, 25, 7, 0, tzinfo=UTC)


def _session(**fields) -> TrainingSession:
    session = TrainingSession(
        uid=f"{fields.get('kind', 'session')}-{fields.get('capacity')}@test",
        title={"fi": "T"},
        description={},
        joining_instructions={},
        meeting_url="https://meet.example.org/x",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2),
        **fields,
    )
    db.session.add(session)
    db.session.commit()
    return session


def _refused(statement, **values) -> None:
    with pytest.raises(IntegrityError):
        db.session.execute(statement, values)
        db.session.flush()
    db.session.rollback()


def test_a_value_outside_its_enum_is_refused(app):
    person = make_user(roles=[Role.TRAINER])
    _refused(text(f"UPDATE {prefixed('user_role')} SET role = 'superuser' WHERE user_id = :id"), id=person.id)
    _refused(text(f"UPDATE \"{prefixed('user')}\" SET sector = 'sports' WHERE id = :id"), id=person.id)
    session = _session(capacity=5)
    _refused(text(f"UPDATE {prefixed('training_session')} SET kind = 'webinar' WHERE id = :id"), id=session.id)

    db.session.add(OutboxMessage(recipient="a@example.org", locale="fi", subject="S", body_text="B", status="lost"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_value_of_its_enum_and_an_empty_optional_one_are_kept(app):
    person = make_user(roles=[Role.AREA_LEAD], sector=None)
    db.session.add(
        OutboxMessage(
            recipient="a@example.org",
            locale="fi",
            subject="S",
            body_text="B",
            status="delivering",
            calendar_method=None,
        )
    )
    db.session.commit()
    assert person.roles == {Role.AREA_LEAD}


def test_more_confirmed_people_than_seats_are_refused(app):
    session = _session(capacity=2, confirmed_count=2)
    _refused(update(TrainingSession).where(TrainingSession.id == session.id).values(confirmed_count=3))
    _refused(update(TrainingSession).where(TrainingSession.id == session.id).values(capacity=1))
    _refused(update(TrainingSession).where(TrainingSession.id == session.id).values(confirmed_count=-1))
    _refused(update(TrainingSession).where(TrainingSession.id == session.id).values(capacity=0, confirmed_count=0))


def test_a_session_without_a_limit_takes_any_number(app):
    session = _session(kind="annual_meeting", capacity=None, confirmed_count=0)
    db.session.execute(update(TrainingSession).where(TrainingSession.id == session.id).values(confirmed_count=5000))
    db.session.commit()
    db.session.refresh(session)
    assert (session.capacity, session.confirmed_count) == (None, 5000)
