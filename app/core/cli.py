"""Core's commands: `flask worker` runs every periodic job on its schedule, in one process
(jobs.py); `flask settings example` writes config.example.toml from the one definition of the
settings."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from ..config import example_config
from ..extensions import db
from .jobs import Job, new_worker_id, registered_jobs, run_if_due, seconds_until_due

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)  # how systemd and deploys stop it, and Ctrl-C
OUTAGE_RETRY_SECONDS = 15


class _StopRequest:
    """The first SIGTERM or Ctrl-C lets the running job finish and then stops the worker; a second
    one stops the job too (the job gives back what it had not started, as `flask outbox send`
    does when stopped)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self._event.set()

    @contextmanager
    def handling_signals(self) -> Iterator[None]:
        previous = {number: signal.signal(number, self._handle) for number in STOP_SIGNALS}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def sleep(self, seconds: float) -> None:
        """Until the time has passed or a stop is asked for, whichever comes first."""
        self._event.wait(seconds)


def _run_due_jobs(worker: str, stop: _StopRequest) -> bool:
    """One pass over the jobs, one line for each that ran; whether all that ran succeeded."""
    succeeded = True
    for job in registered_jobs():
        if stop.requested:
            break
        if run := run_if_due(job, worker):
            click.echo(run.line())
            succeeded = succeeded and run.ok
    return succeeded


def _schedule(job: Job) -> str:
    seconds = job.interval().total_seconds()
    return f"{job.name} every {seconds:g}s" if seconds else f"{job.name} off"


@click.command("worker")
@click.option("--once", is_flag=True, help="Run each job that is due once, then exit (for cron); 1 if one failed.")
@with_appcontext
def worker(once: bool) -> None:
    """Run every periodic job (outbox delivery, reminders, …) when it is due, until stopped. Any
    number of workers may run, on any machines: each job runs at most once per interval."""
    stop, worker_id = _StopRequest(), new_worker_id()
    with stop.handling_signals():
        try:
            if once:
                raise SystemExit(0 if _run_due_jobs(worker_id, stop) else 1)
            click.echo(f"worker {worker_id} started: {', '.join(map(_schedule, registered_jobs()))}")
            while not stop.requested:
                _run_due_jobs(worker_id, stop)
                stop.sleep(_pause())
            click.echo(f"worker {worker_id} stopped")
        except KeyboardInterrupt:
            click.echo(f"worker {worker_id} stopped in the middle of a job; the job is due again", err=True)
            raise SystemExit(130) from None


def _pause() -> float:
    """Seconds until the next job is due; while the database does not answer, a short wait and
    another try, so that an outage (a failover, a restart) never stops the worker."""
    try:
        return seconds_until_due(registered_jobs())
    except SQLAlchemyError as error:
        current_app.logger.error("The schedule cannot be read (%s); trying again in %d s", error, OUTAGE_RETRY_SECONDS)
        return OUTAGE_RETRY_SECONDS
    finally:
        db.session.remove()  # no connection is held while asleep


settings_cli = AppGroup("settings", help="The settings: each one's type, default and meaning.")


@settings_cli.command("example", with_appcontext=False)
def example() -> None:
    """Print config.example.toml: every setting, documented, with its default."""
    click.echo(example_config(), nl=False)
