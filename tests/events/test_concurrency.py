"""No overbooking and no lost registration under concurrency."""
import threading

from sqlalchemy import select

from app.events import services
from app.events.models import Registration, RegistrationStatus, TrainingSession
from app.extensions import db
from tests.events.conftest import make_session
from tests.factories import make_user

PEOPLE = 100
SEATS = 20


def test_100_concurrent_registrations_for_20_seats(app):
    session = make_session(capacity=SEATS)
    people = [make_user(f"rush{number}@example.org").id for number in range(PEOPLE)]
    session_id = session.id
    db.session.remove()
    start, errors, results = threading.Barrier(PEOPLE, timeout=60), [], {}

    def register(person_id):
        with app.app_context():
            try:
                from app.accounts.models import User

                person = db.session.get(User, person_id)
                target = db.session.get(TrainingSession, session_id)
                db.session.commit()  # give the connection back to the pool while waiting
                start.wait()
                registration = services.register_person(target, person, "fi")
                results[person_id] = (registration.id, registration.status)
            except Exception as error:  # every failure is a defect here
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(person_id,)) for person_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == PEOPLE
    rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert len(rows) == PEOPLE
    confirmed = [row for row in rows if row.status == RegistrationStatus.CONFIRMED]
    waiting = [row for row in rows if row.status == RegistrationStatus.WAITING]
    assert len(confirmed) == SEATS and len(waiting) == PEOPLE - SEATS
    assert db.session.get(TrainingSession, session_id).confirmed_count == SEATS
    # the waiting list is in arrival order: positions follow the order the rows were stored in
    assert [services.waiting_position(row) for row in waiting] == list(range(1, PEOPLE - SEATS + 1))
    # each person got back exactly what the database holds
    assert {person: status for person, (_, status) in results.items()} == {row.user_id: row.status for row in rows}
