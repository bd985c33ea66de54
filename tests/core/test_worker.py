"""`flask worker` runs every periodic job when it is due, each at most once per interval however
many workers run at once; a failing job is reported and the others go on; a claim left by a
killed worker is taken over once it expires; SIGTERM lets the running job finish."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from kaiku_training.core.jobs import new_worker_id, registered_jobs, run_if_due
from kaiku_training.core.models import PeriodicJob
from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db, prefixed
from kaiku_training.outbox.models import OutboxMessage, OutboxStatus
from tests.events.conftest import make_session
from tests.factories import make_user, queue_password_resets
from tests.smtp import SmtpServer

REPOSITORY = Path(__file__).resolve().parents[2]
JOB_NAMES = ["outbox-send", "outbox-purge", "reminders-send", "reminders-lapse-unconfirmed"]


def _statuses() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def _received_once_each(server: SmtpServer, count: int) -> None:
    copies = Counter(message["To"] for message in server.messages)
    assert sorted(copies) == sorted(f"person{number}@example.org" for number in range(count)), copies
    assert set(copies.values()) == {1}, copies


def _jobs_run(output: str) -> list[str]:
    """The names of the jobs a worker reports having run, in order."""
    return [line.split(":")[0] for line in output.splitlines() if line.split(":")[0] in JOB_NAMES]


def _time_passes(seconds: float) -> None:
    """As if `seconds` went by: every job ran and was claimed that much longer ago, and the
    outbox's claims are as much older."""
    ago = timedelta(seconds=seconds)
    db.session.expire_all()
    for job in db.session.scalars(select(PeriodicJob)):
        job.last_run_at = job.last_run_at and job.last_run_at - ago
        job.claimed_until = job.claimed_until and job.claimed_until - ago
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.last_attempt_at.is_not(None))):
        message.last_attempt_at -= ago
    db.session.commit()


def _session_starting_soon_with(email: str):
    """A registrant whose session starts within the last reminder offset: one reminder is due.
    Registering queues a confirmation email."""
    session = make_session(starts_at=utcnow() + timedelta(minutes=30))
    register_person(session, make_user(email, locale="en"), "en")
    return session


# --- one worker ------------------------------------------------------------------------------------------


def test_worker_once_delivers_queued_email_and_queues_due_reminders(app, runner, smtp_server):
    _session_starting_soon_with("aino@example.org")

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert _jobs_run(result.output) == JOB_NAMES
    assert "outbox-send: ok" in result.output and "(sent 1, retrying 0, failed 0)" in result.output
    assert "reminders-send: ok" in result.output and "(queued 1)" in result.output
    assert [message["Subject"] for message in smtp_server.messages] == ["Registration confirmed: Training"]

    _time_passes(app.config["OUTBOX_SEND_EVERY_SECONDS"])  # the reminder goes with the next delivery
    result = runner.invoke(args=["worker", "--once"])
    assert _jobs_run(result.output) == ["outbox-send"]
    assert [message["To"] for message in smtp_server.messages] == ["aino@example.org"] * 2
    assert "Reminder" in smtp_server.messages[1]["Subject"]


def test_a_job_not_due_is_not_run_until_its_interval_has_passed(app, runner, smtp_server):
    assert _jobs_run(runner.invoke(args=["worker", "--once"]).output) == JOB_NAMES
    queue_password_resets(1)

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and _jobs_run(result.output) == []
    assert _statuses() == [OutboxStatus.QUEUED] and smtp_server.messages == []

    _time_passes(app.config["OUTBOX_SEND_EVERY_SECONDS"] - 2)
    assert _jobs_run(runner.invoke(args=["worker", "--once"]).output) == []
    _time_passes(2)
    assert _jobs_run(runner.invoke(args=["worker", "--once"]).output) == ["outbox-send"]
    assert _statuses() == [OutboxStatus.SENT]


def test_a_job_set_to_0_seconds_is_left_to_its_own_command(app, runner, smtp_server):
    app.config["OUTBOX_SEND_EVERY_SECONDS"] = 0
    queue_password_resets(1)
    assert "outbox-send" not in _jobs_run(runner.invoke(args=["worker", "--once"]).output)
    assert _statuses() == [OutboxStatus.QUEUED]

    assert "sent 1" in runner.invoke(args=["outbox", "send"]).output
    _received_once_each(smtp_server, 1)


def test_a_failing_job_is_reported_and_the_others_still_run(app, runner, smtp_server, caplog):
    app.config["OUTBOX_KEEP_SENT_DAYS"] = "90"  # as a quoted value in config.toml gives it: purging cannot compare it
    _session_starting_soon_with("aino@example.org")

    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 1  # cron tells the administrator
    assert _jobs_run(result.output) == JOB_NAMES
    assert "outbox-purge: failed after" in result.output and "TypeError" in result.output
    assert "Periodic job outbox-purge failed" in caplog.text and "in purge_sent" in caplog.text  # with its traceback
    assert "(queued 1)" in result.output  # reminders ran after it

    app.config["OUTBOX_KEEP_SENT_DAYS"] = 90
    _time_passes(app.config["OUTBOX_SEND_EVERY_SECONDS"])
    assert "outbox-purge" not in runner.invoke(args=["worker", "--once"]).output  # tried again when next due
    _time_passes(app.config["OUTBOX_PURGE_EVERY_SECONDS"])
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "outbox-purge: ok" in result.output


# --- several workers at once -----------------------------------------------------------------------------

WORKERS = 4


def test_workers_racing_in_threads_run_each_due_job_once_and_send_every_email_once(app, smtp_server):
    queue_password_resets(10)
    db.session.remove()
    start, runs, errors = threading.Barrier(WORKERS, timeout=60), [], []

    def work():
        with app.app_context():
            worker = new_worker_id()
            try:
                start.wait()
                runs.extend(run for job in registered_jobs() if (run := run_if_due(job, worker)))
            except Exception as error:  # every failure is a defect here
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and all(run.ok for run in runs), (errors, [run.line() for run in runs])
    assert sorted(run.name for run in runs) == sorted(JOB_NAMES)
    _received_once_each(smtp_server, 10)


def _worker_process(database_url: str, smtp_port: int, *arguments: str, **settings) -> subprocess.Popen:
    """`flask worker` in a process of its own, as cron or systemd starts it."""
    environment = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "PYTHONUNBUFFERED": "1",
        "KAIKU_DATABASE_URL": database_url,
        "KAIKU_MAIL_PORT": str(smtp_port),
        "KAIKU_MAIL_TIMEOUT": "60",
        "KAIKU_BASE_URL": "http://127.0.0.1:5000",
        "KAIKU_SECRET_KEY": "s" * 64,
        **{f"KAIKU_{name}": str(value) for name, value in settings.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "worker", *arguments],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _waiting_for_a_lock(watcher) -> int:
    return watcher.execute(
        text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
    ).scalar()


@contextmanager
def _released_together(database_url: str, workers: int):
    """On PostgreSQL, the schedule is locked while the workers start and freed once all of them
    wait for it, so that their claims race; SQLite's workers race as they come."""
    if not database_url.startswith("postgresql"):
        yield
        return
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with (
            engine.connect() as holder,
            engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher,
            holder.begin(),
        ):
            holder.execute(text(f"LOCK TABLE {prefixed('periodic_job')} IN ACCESS EXCLUSIVE MODE"))
            yield
            deadline = time.monotonic() + 60
            while _waiting_for_a_lock(watcher) < workers:
                assert time.monotonic() < deadline, "the workers never reached the schedule"
                time.sleep(0.05)
    finally:
        engine.dispose()


def test_two_worker_processes_started_together_run_each_due_job_once(app, database_url, smtp_server, smtp_port):
    queue_password_resets(30)
    long_ago = utcnow() - timedelta(days=7)  # every job ran before, and each is due
    db.session.add_all(PeriodicJob(name=name, last_run_at=long_ago) for name in JOB_NAMES)
    db.session.commit()
    db.session.remove()
    with _released_together(database_url, 2):
        workers = [_worker_process(database_url, smtp_port, "--once") for _ in range(2)]
    outputs = [worker.communicate(timeout=120) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert sorted(name for stdout, _ in outputs for name in _jobs_run(stdout)) == sorted(JOB_NAMES), outputs
    _received_once_each(smtp_server, 30)
    assert set(_statuses()) == {OutboxStatus.SENT}


# --- a worker killed or stopped --------------------------------------------------------------------------


@pytest.fixture
def worker_held_in_delivery(app, database_url, smtp_port):
    """Queue `count` emails and start `flask worker`, whose SMTP server holds its reply to the
    `number`-th recipient; returns (server, worker) once the worker is held there, in the middle
    of its outbox-send job."""
    servers = []

    def start(count: int, number: int) -> tuple[SmtpServer, subprocess.Popen]:
        queue_password_resets(count)
        db.session.remove()
        server = SmtpServer(smtp_port, stall_at=("RCPT", number))
        server.start()
        servers.append(server)
        worker = _worker_process(database_url, smtp_port)
        if not server.stalled.wait(timeout=60):
            worker.kill()
            pytest.fail(f"the worker never reached the stall: {worker.communicate()}")
        return server, worker

    yield start
    for server in servers:
        server.stop()


def test_a_claim_left_by_a_killed_worker_is_taken_over_once_it_expires(app, runner, worker_held_in_delivery):
    server, killed = worker_held_in_delivery(3, 2)
    killed.kill()
    killed.wait()

    assert "outbox-send" not in runner.invoke(args=["worker", "--once"]).output  # the claim still holds
    assert _statuses() == [OutboxStatus.SENT] + [OutboxStatus.SENDING] * 2

    _time_passes(max(app.config["WORKER_CLAIM_SECONDS"], app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"]) + 1)
    result = runner.invoke(args=["worker", "--once"])
    assert "outbox-send: ok" in result.output and "(sent 2, retrying 0, failed 0)" in result.output
    _received_once_each(server, 3)
    assert db.session.get(PeriodicJob, "outbox-send").claimed_by is None


def test_sigterm_lets_the_running_job_finish_and_the_worker_exits_0(app, worker_held_in_delivery):
    server, worker = worker_held_in_delivery(3, 2)
    worker.send_signal(signal.SIGTERM)  # how systemd stops it
    with pytest.raises(subprocess.TimeoutExpired):
        worker.wait(timeout=0.5)  # it waits for the job
    server.release()
    stdout, stderr = worker.communicate(timeout=60)

    assert worker.returncode == 0, stderr
    assert _jobs_run(stdout) == ["outbox-send"] and "(sent 3, retrying 0, failed 0)" in stdout
    assert "stopped" in stdout and "Traceback" not in stderr
    _received_once_each(server, 3)
    assert db.session.get(PeriodicJob, "outbox-send").claimed_by is None


def test_a_second_sigterm_stops_the_running_job_and_gives_its_work_back(app, worker_held_in_delivery):
    server, worker = worker_held_in_delivery(3, 2)
    worker.send_signal(signal.SIGTERM)
    with pytest.raises(subprocess.TimeoutExpired):
        worker.wait(timeout=0.5)  # two signals at once would count as one
    worker.send_signal(signal.SIGTERM)
    stdout, stderr = worker.communicate(timeout=60)

    assert worker.returncode == 130 and "stopped in the middle of a job" in stderr
    assert "Traceback" not in stderr
    assert _statuses() == [OutboxStatus.SENT, OutboxStatus.QUEUED, OutboxStatus.QUEUED]  # for the next run at once
    job = db.session.get(PeriodicJob, "outbox-send")
    assert (job.claimed_by, job.last_run_at) == (None, None)  # due again, for any worker


def test_sigterm_stops_an_idle_worker_at_once(app, database_url, smtp_server, smtp_port):
    worker = _worker_process(database_url, smtp_port)
    for line in worker.stdout:  # the first pass runs every job; then it sleeps
        if line.startswith("reminders-lapse-unconfirmed:"):
            break
    worker.send_signal(signal.SIGTERM)
    stdout, stderr = worker.communicate(timeout=10)
    assert worker.returncode == 0 and "stopped" in stdout and "Traceback" not in stderr


def test_a_worker_looping_runs_a_job_again_each_interval(app, database_url, smtp_server, smtp_port):
    queue_password_resets(1)
    db.session.remove()
    worker = _worker_process(database_url, smtp_port, OUTBOX_SEND_EVERY_SECONDS=1)
    runs = 0
    for line in worker.stdout:
        runs += line.startswith("outbox-send: ok")
        if runs == 3:
            break
    worker.send_signal(signal.SIGTERM)
    worker.communicate(timeout=10)
    assert worker.returncode == 0
    _received_once_each(smtp_server, 1)


def test_a_database_outage_never_stops_the_worker(smtp_port):
    """A failover or a restart of the database: the worker says so and keeps trying."""
    from tests.conftest import free_port

    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/kaiku?connect_timeout=1"
    worker = _worker_process(unreachable, smtp_port)
    time.sleep(8)
    still_running = worker.poll() is None
    worker.send_signal(signal.SIGTERM)
    stdout, stderr = worker.communicate(timeout=30)
    assert still_running, stderr[-500:]
    assert worker.returncode == 0 and "The schedule cannot be read" in stderr
