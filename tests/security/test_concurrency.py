"""No overbooking, no lost registration and no queue jumping under concurrency: real threads,
each with its own app context and database connection."""

import re
import threading
import time

from sqlalchemy import select

from kaiku_training.accounts.models import User
from kaiku_training.events.models import Registration, RegistrationStatus, TrainingSession
from kaiku_training.events.registrations import cancel_registration, register_person, waiting_position
from kaiku_training.events.services import CapacityRefused, update_session
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage
from tests.events.conftest import make_session
from tests.security.world import make_person

PEOPLE = 100
SEATS = 20


def test_100_concurrent_registrations_for_20_seats(app):
    session = make_session(capacity=SEATS)
    people = [make_person(f"rush{number}@example.org").id for number in range(PEOPLE)]
    session_id = session.id
    db.session.remove()
    results = {}

    def register(person_id):
        person = db.session.get(User, person_id)
        registration = register_person(db.session.get(TrainingSession, session_id), person, "en")
        results[person_id] = (registration.id, registration.status)

    errors = _run_together(app, [lambda person_id=person_id: register(person_id) for person_id in people])

    assert errors == []
    assert len(results) == PEOPLE
    rows = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert len(rows) == PEOPLE
    confirmed = [row for row in rows if row.status == RegistrationStatus.CONFIRMED]
    waiting = [row for row in rows if row.status == RegistrationStatus.WAITING]
    assert len(confirmed) == SEATS and len(waiting) == PEOPLE - SEATS
    assert db.session.get(TrainingSession, session_id).confirmed_count == SEATS
    # the waiting list is in arrival order: positions follow the order the rows were stored in
    assert [waiting_position(row) for row in waiting] == list(range(1, PEOPLE - SEATS + 1))
    # each person got back exactly what the database holds
    assert {person: status for person, (_, status) in results.items()} == {row.user_id: row.status for row in rows}
    # the position each email quoted is the one that was committed
    quoted = {
        message.recipient: int(re.search(r"in position (\d+)", message.body_text).group(1))
        for message in db.session.scalars(select(OutboxMessage))
        if "waiting list" in message.subject.lower()
    }
    assert quoted == {row.user.email: waiting_position(row) for row in waiting}


def _run_together(app, tasks) -> list[str]:
    """Run each task(…) in its own thread and app context, all released at once; the errors."""
    start, errors = threading.Barrier(len(tasks), timeout=60), []

    def run(task):
        with app.app_context():
            try:
                db.session.commit()
                start.wait()
                task()
            except Exception as error:  # every failure is a defect here
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _registering(session_id, person_id):
    return lambda: register_person(db.session.get(TrainingSession, session_id), db.session.get(User, person_id), "en")


def _cancelling(registration_id):
    return lambda: cancel_registration(db.session.get(Registration, registration_id))


def _waiting_in_order(session_id) -> list[int]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Registration).where(
            Registration.session_id == session_id, Registration.status == RegistrationStatus.WAITING
        )
    ).all()
    return [row.user_id for row in sorted(rows, key=waiting_position)]


def test_cancellations_racing_new_registrations_never_let_a_newcomer_jump_the_queue(app):
    seats, freed = 10, 5
    session = make_session(capacity=seats)
    holders = [register_person(session, make_person(f"holder{n}@example.org"), "en") for n in range(seats)]
    queue = [register_person(session, make_person(f"queue{n}@example.org"), "en") for n in range(seats)]
    newcomers = [make_person(f"new{n}@example.org").id for n in range(30)]
    session_id, holder_ids = session.id, [registration.id for registration in holders]
    queue_people = [registration.user_id for registration in queue]
    db.session.remove()

    errors = _run_together(
        app,
        [_cancelling(holder_ids[n]) for n in range(freed)]
        + [_registering(session_id, person_id) for person_id in newcomers],
    )

    assert errors == []
    confirmed = set(
        db.session.scalars(
            select(Registration.user_id).where(
                Registration.session_id == session_id, Registration.status == RegistrationStatus.CONFIRMED
            )
        )
    )
    assert confirmed == {holder.user_id for holder in holders[freed:]} | set(queue_people[:freed])
    waiting = _waiting_in_order(session_id)
    assert waiting[: seats - freed] == queue_people[freed:]  # still first, in their order
    assert sorted(waiting[seats - freed :]) == sorted(newcomers)
    assert db.session.get(TrainingSession, session_id).confirmed_count == seats


def test_a_capacity_lowered_during_registrations_never_leaves_more_confirmed_than_seats(app):
    session = make_session(capacity=40)
    for n in range(14):
        register_person(session, make_person(f"early{n}@example.org"), "en")
    people = [make_person(f"rush{n}@example.org").id for n in range(30)]
    session_id, outcome = session.id, []
    db.session.remove()

    def lower_capacity():
        time.sleep(0.02)  # land in the middle of the rush
        target = db.session.get(TrainingSession, session_id)
        try:
            update_session(target, {"capacity": 15}, [], target.version)
            outcome.append("lowered")
        except CapacityRefused:
            outcome.append("refused")

    errors = _run_together(app, [lower_capacity] + [_registering(session_id, person_id) for person_id in people])

    assert errors == [] and len(outcome) == 1
    session = db.session.get(TrainingSession, session_id)
    confirmed = db.session.scalars(
        select(Registration).where(
            Registration.session_id == session_id, Registration.status == RegistrationStatus.CONFIRMED
        )
    ).all()
    assert session.confirmed_count == len(confirmed) <= session.capacity
    assert session.capacity == (15 if outcome == ["lowered"] else 40)
