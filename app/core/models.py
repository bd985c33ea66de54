"""Core's own table: the shared schedule of the periodic jobs (jobs.py)."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .timeutil import UTCDateTime


class PeriodicJob(Model):
    """One row per registered job, shared by every `flask worker`: when the job last ran and
    which worker holds it now. A worker takes a job with one conditional UPDATE, so that it
    runs at most once per interval however many workers there are."""

    __tablename__ = "periodic_job"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    # When the last finished run started (failed or not); empty until the job has run once.
    # A run that never finishes (a killed worker) leaves it as it was: the job stays due.
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # the worker running it now
    # Until then no other worker takes the job; after it, the claim counts as abandoned.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
