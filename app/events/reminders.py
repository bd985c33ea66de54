"""Reminders before a session, by email through the outbox (`flask reminders send`)."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from ..core.timeutil import utcnow
from ..extensions import db
from .models import Registration, RegistrationStatus, ReminderSent, TrainingSession
from .notifications import notify_registrant


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue one reminder per confirmed registrant whose session starts within one of the
    REMINDER_OFFSETS_MINUTES. Each offset is recorded when passed, so a reminder is never sent
    twice, and someone who registers late gets only the nearest one."""
    now = now or utcnow()
    offsets = sorted(current_app.config["REMINDER_OFFSETS_MINUTES"])
    if not offsets:
        return 0
    horizon = now + timedelta(minutes=offsets[-1])
    candidates = db.session.scalars(
        select(Registration)
        .join(TrainingSession)
        .where(
            Registration.status == RegistrationStatus.CONFIRMED,
            TrainingSession.cancelled_at.is_(None),
            and_(TrainingSession.starts_at > now, TrainingSession.starts_at <= horizon),
        )
    )
    queued = 0
    for registration in candidates:
        minutes_left = (registration.session.starts_at - now).total_seconds() / 60
        passed = [offset for offset in offsets if minutes_left <= offset]
        done = set(
            db.session.scalars(
                select(ReminderSent.minutes_before).where(ReminderSent.registration_id == registration.id)
            )
        )
        if min(passed) in done:
            continue
        try:
            with db.session.begin_nested():
                for offset in set(passed) - done:
                    db.session.add(ReminderSent(registration_id=registration.id, minutes_before=offset))
        except IntegrityError:  # another run got here first
            continue
        notify_registrant(registration, "session_reminder")
        db.session.commit()
        queued += 1
    return queued
