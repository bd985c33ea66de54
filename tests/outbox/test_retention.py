"""Sent email is deleted OUTBOX_KEEP_SENT_DAYS after it was sent; email not sent never is."""

from datetime import timedelta

from sqlalchemy import select

from kaiku_training.core.timeutil import utcnow
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage, OutboxStatus
from kaiku_training.outbox.services import purge_sent

OLD = timedelta(days=91)
NEW = timedelta(days=89)


def _message(subject: str, status: OutboxStatus, age: timedelta) -> None:
    at = utcnow() - age
    db.session.add(
        OutboxMessage(
            recipient="person@example.org",
            locale="fi",
            subject=subject,
            body_text="B",
            status=status,
            created_at=at,
            next_attempt_at=at,
            last_attempt_at=at,
            sent_at=at if status == OutboxStatus.SENT else None,
        )
    )


def _kept() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)))


def _messages_of_every_kind() -> list[str]:
    for number in range(5):  # more than one batch
        _message(f"old sent {number}", OutboxStatus.SENT, OLD)
    _message("new sent", OutboxStatus.SENT, NEW)
    for status in (OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.DELIVERING, OutboxStatus.FAILED):
        _message(f"old {status}", status, OLD)
    db.session.commit()
    return ["new sent", "old queued", "old sending", "old delivering", "old failed"]


def test_only_sent_email_older_than_the_retention_goes(app):
    kept = _messages_of_every_kind()
    assert purge_sent(batch_size=2) == 5
    assert _kept() == kept
    assert purge_sent() == 0


def test_zero_days_keeps_sent_email_for_ever(app):
    app.config["OUTBOX_KEEP_SENT_DAYS"] = 0
    _messages_of_every_kind()
    assert purge_sent() == 0
    assert len(_kept()) == 10


def test_flask_outbox_purge_says_how_many_it_deleted(app, runner):
    app.config["OUTBOX_KEEP_SENT_DAYS"] = 30
    _message("sent 40 days ago", OutboxStatus.SENT, timedelta(days=40))
    _message("sent 20 days ago", OutboxStatus.SENT, timedelta(days=20))
    db.session.commit()
    result = runner.invoke(args=["outbox", "purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 messages sent more than 30 days ago" in result.output
    assert _kept() == ["sent 20 days ago"]
