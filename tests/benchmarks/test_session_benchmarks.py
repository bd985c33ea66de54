"""Live-session benchmarks (make bench): the personal feed and its 304 path under gunicorn as
ratios to the trivial route, and registrations per second.

Targets from the sessions issue: personal feed with 50 events >= 0.6 of the trivial route,
the 304 path >= 0.85.
"""

import threading
import time
import urllib.request
from datetime import timedelta

from kaiku_training.calendar.services import issue_feed_token
from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db
from tests.benchmarks.harness import benchmark_app, gunicorn, record, requests_per_second
from tests.events.conftest import make_session
from tests.factories import make_user


def test_personal_feed_and_304_against_the_trivial_route(database_url, smtp_port):
    with benchmark_app(database_url, smtp_port) as app:
        _measure_feed(app, database_url)


def _measure_feed(app, database_url):
    with app.app_context():
        person = make_user("feed@example.org", locale="fi")
        for number in range(50):
            session = make_session(starts_at=utcnow() + timedelta(days=number + 1), capacity=5)
            register_person(session, person, "fi")
        token = issue_feed_token(person, alarm_minutes=60)
    env = {"KAIKU_DATABASE_URL": database_url, "KAIKU_SECRET_KEY": "test-secret"}
    with gunicorn(env) as base_url:
        feed_url = f"{base_url}/calendar/feed/{token}.ics"
        response = urllib.request.urlopen(feed_url)
        assert response.read().count(b"BEGIN:VEVENT") == 50
        etag = response.headers["ETag"]
        trivial = requests_per_second(base_url + "/healthz")
        feed = requests_per_second(feed_url)
        not_modified = requests_per_second(feed_url, {"If-None-Match": etag})
    record(
        "personal feed (50 events)",
        database=database_url.split(":")[0],
        trivial_rps=trivial,
        feed_rps=feed,
        feed_ratio=feed / trivial,
        not_modified_rps=not_modified,
        not_modified_ratio=not_modified / trivial,
    )
    assert feed / trivial >= 0.6
    assert not_modified / trivial >= 0.85


def test_registrations_per_second(database_url, smtp_port):
    with benchmark_app(database_url, smtp_port) as app:
        _measure_registrations(app, database_url)


def _measure_registrations(app, database_url):
    threads, per_thread = 4, 50
    with app.app_context():
        sessions = [make_session(capacity=25).id for _ in range(threads)]
        people = [[make_user(f"r{t}-{n}@example.org").id for n in range(per_thread)] for t in range(threads)]

    def register(session_id, person_ids):
        from kaiku_training.accounts.models import User
        from kaiku_training.events.models import TrainingSession

        with app.app_context():
            for person_id in person_ids:
                register_person(db.session.get(TrainingSession, session_id), db.session.get(User, person_id), "fi")
                db.session.remove()

    workers = [threading.Thread(target=register, args=(sessions[t], people[t])) for t in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    with app.app_context():
        from kaiku_training.events.models import Registration

        assert db.session.query(Registration).count() == threads * per_thread
        db.session.remove()
    record(
        "registrations",
        database=database_url.split(":")[0],
        threads=threads,
        registrations_per_s=threads * per_thread / elapsed,
    )
