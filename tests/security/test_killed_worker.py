"""A gunicorn worker killed in the middle of a registration leaves nothing half-written, and the
person can register again. PostgreSQL only: the test holds a row lock the registration needs, so
that the worker's request stops inside its transaction, kills the worker there, and lets the
orphaned database backend run on until it finds its client gone."""

import contextlib
import http.cookiejar
import os
import re
import signal
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from kaiku_training.events.models import Registration, RegistrationStatus, TrainingSession
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage
from tests.benchmarks.harness import gunicorn_process
from tests.events.conftest import make_session
from tests.factories import PASSWORD, make_user

ROUNDS = 4
SEATS = 2  # the first rounds take seats, the later ones join the waiting list
# each round holds one of the rows the registration must lock: where its request stops
LOCKS = {
    # NO KEY: the registration's foreign key to the session still passes; its UPDATEs wait
    "the session's row (the queue lock, before anything is written)": (
        "SELECT id FROM training_session WHERE id = :session FOR NO KEY UPDATE"
    ),
    "the person's row (the registration's foreign key, after the queue lock is taken)": (
        'SELECT id FROM "user" WHERE id = :person FOR UPDATE'
    ),
}


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("killing a worker inside its transaction is a PostgreSQL test")
    return database_url


class Visitor:
    """A browser's cookies and forms over real HTTP, CSRF protection on."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        return self.opener.open(self.base_url + path, timeout=30).read().decode()

    def submit(self, path: str, page_html: str, fields: dict) -> str:
        """POST `fields` with the CSRF token of the form on `page_html`."""
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_html).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
        return self.opener.open(self.base_url + path, data, timeout=30).read().decode()

    def post(self, path: str, form_page: str, fields: dict) -> str:
        return self.submit(path, self.get(form_page), fields)


def _worker_pid(master, killed: list[int]) -> int:
    """The pid of the worker gunicorn runs now, not one of those killed (a dead one may still
    be listed until the master reaps it)."""
    for _ in range(200):
        children = {int(pid) for pid in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()}
        if living := children - set(killed):
            return living.pop()
        time.sleep(0.05)
    raise AssertionError("gunicorn started no new worker")


def _blocked_backend(connection, timeout: float = 15) -> tuple[int, str]:
    """The database backend that waits for our lock: its pid and statement."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = connection.execute(
            text(
                "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
        ).first()
        if row:
            return row.pid, row.query
        time.sleep(0.02)
    raise AssertionError("the registration never reached the lock")


def _gone(connection, backend_pid: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while connection.execute(
        text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend_pid}
    ).scalar():
        assert time.monotonic() < deadline, "the orphaned backend never ended"
        time.sleep(0.02)


def _assert_consistent(session_id: int) -> None:
    """The session's seat count is its confirmed rows; the waiting list is numbered in order."""
    db.session.expire_all()
    session = db.session.get(TrainingSession, session_id)
    rows = db.session.scalars(select(Registration).where(Registration.session_id == session_id)).all()
    confirmed = [row for row in rows if row.status == RegistrationStatus.CONFIRMED]
    waiting = sorted((row for row in rows if row.status == RegistrationStatus.WAITING), key=lambda row: row.id)
    assert session.confirmed_count == len(confirmed) <= session.capacity
    assert [row.queue_number for row in waiting] == sorted(row.queue_number for row in waiting)
    assert len({row.queue_number for row in waiting}) == len(waiting)


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition))


def test_a_worker_killed_mid_registration_leaves_no_half_written_state(app, postgres_url, capsys):
    session_id = make_session(capacity=SEATS).id
    people = [
        (person.id, person.email) for person in (make_user(f"killed{number}@example.org") for number in range(ROUNDS))
    ]
    db.session.remove()
    locker = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    env = {"KAIKU_DATABASE_URL": postgres_url, "KAIKU_SECRET_KEY": "test-secret"}
    page, register = f"/sessions/{session_id}", f"/sessions/{session_id}/register"
    blocked_at, killed = [], []
    try:
        with (
            gunicorn_process(env, workers=1) as (master, base_url),
            locker.connect() as holder,
            locker.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher,
        ):
            for number, (person_id, email) in enumerate(people):
                visitor = Visitor(base_url)
                visitor.post("/sign-in", "/sign-in", {"email": email, "password": PASSWORD})
                lock = list(LOCKS.values())[number % len(LOCKS)]
                with holder.begin():
                    holder.execute(text(lock), {"session": session_id, "person": person_id})
                    backend, statement = _kill_while_it_waits(master, killed, watcher, visitor, page, register)
                # our lock is gone: the orphaned backend gets it, runs on, and finds its client gone
                _gone(watcher, backend)
                blocked_at.append(" ".join(statement.split())[:40])

                assert _count(Registration, Registration.user_id == person_id) == 0, "a half-written registration"
                assert _count(OutboxMessage, OutboxMessage.recipient == email) == 0
                _assert_consistent(session_id)

                _worker_pid(master, killed)  # gunicorn has started a new worker
                visitor.post(register, page, {})
                rows = db.session.scalars(select(Registration).where(Registration.user_id == person_id)).all()
                assert [row.status for row in rows] == [
                    RegistrationStatus.CONFIRMED if number < SEATS else RegistrationStatus.WAITING
                ]
                assert _count(OutboxMessage, OutboxMessage.recipient == email) == 1
                _assert_consistent(session_id)
                db.session.remove()
    finally:
        locker.dispose()
    with capsys.disabled():
        print(f"\nKILLED WORKER: {ROUNDS} rounds, blocked at {blocked_at}")


def _kill_while_it_waits(master, killed: list[int], watcher, visitor: Visitor, page: str, register: str):
    """POST the registration, SIGKILL the worker once its database backend waits for our lock;
    the backend's pid and the statement it waits in."""
    worker, answers = _worker_pid(master, killed), []

    def post():
        with contextlib.suppress(OSError):  # the connection died with the worker
            answers.append(visitor.submit(register, form_page, {}))

    form_page = visitor.get(page)
    request = threading.Thread(target=post)
    request.start()
    backend, statement = _blocked_backend(watcher)
    os.kill(worker, signal.SIGKILL)
    killed.append(worker)
    request.join(timeout=30)
    assert not answers, "the killed worker answered"
    return backend, statement
