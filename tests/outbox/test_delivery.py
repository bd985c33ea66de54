"""The outbox keeps every email until an SMTP server accepts it, and sends each exactly once."""

from datetime import timedelta

from sqlalchemy import select

from kaiku_training.core.timeutil import utcnow
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage, OutboxStatus
from kaiku_training.outbox.services import deliver_due, queue_email
from tests.smtp import SmtpServer


def _queue(count: int, locale="en"):
    for number in range(count):
        queue_email(
            f"person{number}@example.org",
            locale,
            "password_reset",
            name=f"Person {number}",
            link=f"http://127.0.0.1:5000/password/reset/x{number}",
            valid_hours=2,
        )
    db.session.commit()


def _make_due():
    for message in db.session.scalars(select(OutboxMessage)):
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_email_is_rendered_in_the_recipients_language(app):
    queue_email("a@example.org", "sv", "password_reset", name="Anna", link="http://x/y", valid_hours=2)
    queue_email("b@example.org", "en", "password_reset", name="Bob", link="http://x/y", valid_hours=2)
    db.session.commit()
    sv, en = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    assert "lösenord" in sv.subject.lower() and "Anna" in sv.body_text
    assert "Choose a new password" in en.subject and "expires in 2 hours" in en.body_text


def test_nothing_is_lost_while_smtp_is_down_and_all_is_sent_exactly_once_after(app, smtp_port):
    _queue(5)
    report = deliver_due()  # nothing listens on the SMTP port yet
    assert (report.sent, report.retrying) == (0, 5)
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert all(m.status == OutboxStatus.QUEUED and m.attempts == 1 and m.last_error for m in messages)
    assert all(m.next_attempt_at > utcnow() for m in messages)  # backoff: not due again at once
    assert deliver_due().sent == 0

    server = SmtpServer(smtp_port)
    server.start()
    try:
        _make_due()
        assert deliver_due().sent == 5
        assert deliver_due().sent == 0
        _make_due()  # even when forced due again, sent mail stays sent
        assert deliver_due().sent == 0
        assert sorted(m["To"] for m in server.messages) == [f"person{n}@example.org" for n in range(5)]
        assert all(m.status == OutboxStatus.SENT and m.sent_at for m in db.session.scalars(select(OutboxMessage)))
    finally:
        server.stop()


def test_backoff_grows_and_gives_up_after_max_attempts(app):
    app.config["OUTBOX_MAX_ATTEMPTS"] = 3
    _queue(1)
    delays = []
    for _ in range(3):
        _make_due()
        before = utcnow()
        deliver_due()
        message = db.session.scalar(select(OutboxMessage))
        delays.append((message.next_attempt_at - before).total_seconds())
    assert message.status == OutboxStatus.FAILED and message.attempts == 3
    assert delays[1] > delays[0] * 1.5


def test_failed_messages_are_visible_to_admins_and_can_be_retried(client, auth, app, smtp_port):
    from tests.factories import make_admin

    app.config["OUTBOX_MAX_ATTEMPTS"] = 1
    make_admin(email="admin@example.org")
    _queue(1)
    deliver_due()  # no SMTP server yet
    message = db.session.scalar(select(OutboxMessage))
    assert message.status == OutboxStatus.FAILED
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    listing = client.get("/manage/outbox/?status=failed").get_data(as_text=True)
    assert "person0@example.org" in listing and "Failed (1)" in listing
    detail = client.get(f"/manage/outbox/{message.id}").get_data(as_text=True)
    assert "ConnectionRefusedError" in detail
    client.post(f"/manage/outbox/{message.id}/retry")
    server = SmtpServer(smtp_port)
    server.start()
    try:
        assert deliver_due().sent == 1
        assert [m["To"] for m in server.messages] == ["person0@example.org"]
    finally:
        server.stop()


def test_a_stale_claim_is_taken_over(app, smtp_server):
    _queue(1)
    message = db.session.scalar(select(OutboxMessage))
    message.status = OutboxStatus.SENDING
    message.claimed_by = "a run that died"
    message.last_attempt_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert deliver_due().sent == 1


def test_outbox_send_command(app, runner, smtp_server):
    _queue(2)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "sent 2" in result.output
    assert len(smtp_server.messages) == 2
