"""Periodic jobs, which `flask worker` (cli.py) runs on their schedule. A feature registers its
own in its init_app, and each stays a command of its own as well:

    register_job(app, "outbox-send", every="OUTBOX_SEND_EVERY_SECONDS", run=...)

The schedule is shared in the periodic_job table. A worker takes a due job with one conditional
UPDATE, as the outbox claims its messages, so a job runs at most once per interval however many
workers run on however many machines; a claim that a killed worker left is taken over once it
has lasted WORKER_CLAIM_SECONDS. Core knows the registered jobs, never the features behind them.
"""

import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import Flask, current_app
from sqlalchemy import CursorResult, Update, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .models import PeriodicJob
from .timeutil import utcnow

JOBS = "kaiku_jobs"  # the registry's key in app.extensions
# How soon a worker looks again at a job that is due but held by another worker.
HELD_JOB_POLL_SECONDS = 1.0
IDLE_SECONDS = 60.0  # how long a worker whose jobs are all turned off sleeps between looks

Counts = Mapping[str, int]  # what a run did, e.g. {"sent": 3, "failed": 0}, for its log line


@dataclass(frozen=True)
class Job:
    name: str
    every: str | int  # seconds, or the name of the setting that holds them; 0 turns the job off
    run: Callable[[], Counts | None]

    def interval(self) -> timedelta:
        seconds = current_app.config[self.every] if isinstance(self.every, str) else self.every
        return timedelta(seconds=seconds)


def register_job(app: Flask, name: str, every: str | int, run: Callable[[], Counts | None]) -> None:
    """Have `flask worker` call `run` every `every` seconds (a number, or a setting's name). `run`
    calls the same service function as the job's own command; it commits its own work and may
    return counts for the log line."""
    jobs = app.extensions.setdefault(JOBS, {})
    if name in jobs:
        raise ValueError(f"A periodic job named {name!r} is registered already.")
    if isinstance(every, str) and every not in app.config:
        raise KeyError(f"The periodic job {name!r} runs every {every} seconds, but there is no such setting.")
    jobs[name] = Job(name, every, run)


def registered_jobs() -> list[Job]:
    """In the order they were registered, which is the order a worker runs them in."""
    return list(current_app.extensions.get(JOBS, {}).values())


def new_worker_id() -> str:
    """Names a worker in the table: which machine holds a claim, and which run of the worker."""
    return f"{uuid.uuid4().hex[:8]}@{socket.gethostname()}"[:100]


@dataclass(frozen=True)
class JobRun:
    name: str
    seconds: float
    counts: Counts | None = None
    error: str | None = None  # the exception, when the run failed

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        if self.error:
            return f"{self.name}: failed after {self.seconds:.2f}s: {self.error}"
        counts = ", ".join(f"{name} {count}" for name, count in (self.counts or {}).items())
        return f"{self.name}: ok in {self.seconds:.2f}s" + (f" ({counts})" if counts else "")


def _rows_changed(statement: Update) -> int:
    return cast(CursorResult, db.session.execute(statement.execution_options(synchronize_session=False))).rowcount


def _add_row(name: str) -> None:
    """A job seen for the first time gets its row, due at once. Two workers may add it at the same
    moment: the second one's insert fails, and the row is there all the same."""
    if db.session.scalar(select(PeriodicJob.name).where(PeriodicJob.name == name)) is None:
        try:
            db.session.execute(insert(PeriodicJob).values(name=name))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()


def _claim(job: Job, worker: str, now: datetime) -> bool:
    """Take the job if it is due and nobody holds it (or a claim has expired), in one UPDATE that
    repeats those conditions: of workers racing for it, only one changes the row."""
    _add_row(job.name)
    due = or_(PeriodicJob.last_run_at.is_(None), PeriodicJob.last_run_at <= now - job.interval())
    free = or_(PeriodicJob.claimed_until.is_(None), PeriodicJob.claimed_until < now)
    claim_lasts = timedelta(seconds=current_app.config["WORKER_CLAIM_SECONDS"])
    claimed = _rows_changed(
        update(PeriodicJob)
        .where(PeriodicJob.name == job.name, due, free)
        .values(claimed_by=worker, claimed_until=now + claim_lasts)
    )
    db.session.commit()
    return claimed == 1


def _let_go(job: Job, worker: str, ran_at: datetime | None) -> None:
    """Give the claim back; with `ran_at`, the run counts and the job is next due an interval
    after it. Nothing changes if another worker has taken an expired claim over: its run counts."""
    db.session.rollback()  # what a failed run left unfinished
    values = {"claimed_by": None, "claimed_until": None} | ({"last_run_at": ran_at} if ran_at else {})
    _rows_changed(
        update(PeriodicJob).where(PeriodicJob.name == job.name, PeriodicJob.claimed_by == worker).values(**values)
    )
    db.session.commit()


def run_if_due(job: Job, worker: str) -> JobRun | None:
    """Run the job if it is due and no other worker holds it; None if it did not run. A failure
    is logged and reported in the JobRun, and counts as a run: the job is tried again when next
    due, and the worker goes on with the others."""
    started, clock = utcnow(), time.monotonic()
    try:
        if not job.interval() or not _claim(job, worker, started):
            return None
        try:
            counts = job.run()
        except Exception:
            _let_go(job, worker, ran_at=started)
            raise
        except BaseException:  # stopped mid-run: still due, and the next worker need not wait for the claim
            _let_go(job, worker, ran_at=None)
            raise
        _let_go(job, worker, ran_at=started)
    except Exception as error:  # the job's fault, or the database's while claiming
        db.session.rollback()
        current_app.logger.exception("Periodic job %s failed", job.name)
        return JobRun(job.name, time.monotonic() - clock, error=f"{type(error).__name__}: {error}")
    return JobRun(job.name, time.monotonic() - clock, counts=counts)


def seconds_until_due(jobs: list[Job]) -> float:
    """How long a worker may sleep before one of the jobs is due. A job due already is held by
    another worker (this one has just tried it): it is looked at again shortly."""
    last_runs = dict(db.session.execute(select(PeriodicJob.name, PeriodicJob.last_run_at)).tuples().all())
    db.session.commit()  # no transaction stays open while the worker sleeps
    now = utcnow()
    waits = [
        (last_run + job.interval() - now).total_seconds() if (last_run := last_runs.get(job.name)) else 0.0
        for job in jobs
        if job.interval()
    ]
    if not waits:
        return IDLE_SECONDS
    return wait if (wait := min(waits)) > 0 else HELD_JOB_POLL_SECONDS
