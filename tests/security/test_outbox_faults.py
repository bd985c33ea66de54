"""Faults in email delivery: a message that cannot be built, header values that would break it,
a sender killed, stopped or too slow mid-batch. Every message is delivered exactly once or
marked failed with its reason, on its own: none holds up the others."""

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from kaiku_training.core.timeutil import utcnow
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage, OutboxStatus
from kaiku_training.outbox.services import deliver_due
from tests.conftest import link_in
from tests.events.conftest import make_session
from tests.factories import make_user, queue_password_resets
from tests.journeys.conftest import app_settings, browser, set_language, sign_in  # noqa: F401 (CSRF on)
from tests.smtp import SmtpServer, text_of

REPOSITORY = Path(__file__).resolve().parents[2]


def _messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _received_once_each(server: SmtpServer, count: int) -> None:
    """The server got `count` distinct messages and none of them twice."""
    copies = Counter((message["Message-ID"], message["To"]) for message in server.messages)
    assert len(copies) == count, copies
    assert set(copies.values()) == {1}, copies


# --- a message that cannot be built ---------------------------------------------------------------------


def _write_poison() -> None:
    """A row as old data or a bug elsewhere may have left it: a header with a line break."""
    db.session.execute(
        insert(OutboxMessage).values(
            recipient="poison@example.org",
            locale="en",
            subject="Hello\nBcc: everyone@example.net",
            body_text="Hello\n",
            status=OutboxStatus.QUEUED,
            attempts=0,
            created_at=utcnow(),
            next_attempt_at=utcnow(),
        )
    )
    db.session.commit()


def test_a_poison_message_fails_alone_and_mail_queued_after_it_still_goes(app, runner, browser, smtp_server):
    queue_password_resets(2)
    _write_poison()
    queue_password_resets(1)

    result = runner.invoke(args=["outbox", "send"])
    assert "sent 3, will retry 0, failed 1" in result.output
    assert result.exit_code == 1  # something failed: cron mails the output to the admin
    poison = next(message for message in _messages() if message.recipient == "poison@example.org")
    assert poison.status == OutboxStatus.FAILED and poison.claimed_by is None
    assert "could not be built" in poison.last_error and "linefeed" in poison.last_error
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "person0@example.org",
        "person0@example.org",
        "person1@example.org",
    ]
    assert not [message for message in _messages() if message.status == OutboxStatus.SENDING]

    make_user("aino@example.org", name="Aino", locale="en")
    page = browser.get("/password/forgot")
    page.form("/password/forgot").fill(email="aino@example.org").submit()
    assert deliver_due().sent == 1
    [reset] = [m for m in smtp_server.messages if m["To"] == "aino@example.org"]
    assert "/password/reset/" in link_in(text_of(reset))


# --- header values are cleaned when queued ----------------------------------------------------------------

LONG_TITLE = ("Kaikukortin myöntäjien vuosittainen kertauskoulutus " * 6)[:300]


@pytest.mark.parametrize(
    "title", ["Part one\r\nBcc: everyone@example.net", LONG_TITLE], ids=["line-break", "300-characters"]
)
def test_a_session_title_with_a_line_break_or_300_characters_registers_and_mails_a_clean_subject(
    title, browser, smtp_server
):
    session = make_session(title={"fi": title, "sv": title, "en": title})
    make_user("aino@example.org", name="Aino", locale="en")
    sign_in(browser, "aino@example.org")
    set_language(browser, "en")
    page = browser.get(f"/sessions/{session.id}").form(f"/sessions/{session.id}/register").submit()
    assert "You are registered." in page.text

    assert deliver_due().sent == 1
    [email] = smtp_server.messages
    subject = email["Subject"]
    assert "\r" not in subject and "\n" not in subject and email["Bcc"] is None
    assert len(subject) <= 300
    expected = " ".join(f"Registration confirmed: {title}".split())
    assert subject == expected if len(expected) <= 300 else subject == expected[:299].rstrip() + "…"


def test_every_message_is_dated_and_identified_in_the_sites_own_domain(app, smtp_server):
    app.config["BASE_URL"] = "https://training.example.org/kaiku"
    before = utcnow().replace(microsecond=0)
    queue_password_resets(2)
    deliver_due()
    for email in smtp_server.messages:
        assert before <= parsedate_to_datetime(email["Date"]) <= utcnow()
        assert email["Message-ID"].startswith("<") and email["Message-ID"].endswith("@training.example.org>")
    assert len({email["Message-ID"] for email in smtp_server.messages}) == 2


# --- a sender killed, stopped or too slow mid-batch ----------------------------------------------------------


def _start_sender(database_url: str, smtp_port: int) -> subprocess.Popen:
    """`flask outbox send` in a process of its own, as cron starts it."""
    environment = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "KAIKU_DATABASE_URL": database_url,
        "KAIKU_MAIL_PORT": str(smtp_port),
        "KAIKU_MAIL_TIMEOUT": "60",
        "KAIKU_BASE_URL": "http://127.0.0.1:5000",
        "KAIKU_SECRET_KEY": "s" * 64,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "outbox", "send"],
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _claims_outlive_their_timeout(app) -> None:
    """As much time passes as a claim lasts: a claim not renewed since then is abandoned."""
    long_ago = utcnow() - timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 1)
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status.in_((OutboxStatus.SENDING, OutboxStatus.DELIVERING)))
        .values(last_attempt_at=long_ago)
    )
    db.session.commit()


@pytest.fixture
def sender_held_at(app, database_url, smtp_port):
    """Queue `count` messages and start a sender whose SMTP server stalls at the given stage
    (RCPT, DATA) of the given message; returns (server, sender) once the sender is held there."""
    servers = []

    def start(count: int, stage: str, number: int) -> tuple[SmtpServer, subprocess.Popen]:
        queue_password_resets(count)
        server = SmtpServer(smtp_port, stall_at=(stage, number))
        server.start()
        servers.append(server)
        sender = _start_sender(database_url, smtp_port)
        if not server.stalled.wait(timeout=60):
            sender.kill()
            pytest.fail(f"the sender never reached the stall: {sender.communicate()[0]}")
        return server, sender

    yield start
    for server in servers:
        server.stop()


def _kill(sender: subprocess.Popen) -> None:
    sender.send_signal(signal.SIGKILL)
    sender.wait()


def test_a_sender_killed_while_waiting_for_the_server_leaves_every_message_to_be_sent_once_later(app, sender_held_at):
    server, sender = sender_held_at(6, "RCPT", 3)
    _kill(sender)
    assert [m.status for m in _messages()] == [OutboxStatus.SENT] * 2 + [OutboxStatus.SENDING] * 4

    assert deliver_due().sent == 0  # the dead sender's claims are not taken before they time out
    _claims_outlive_their_timeout(app)
    assert deliver_due().sent == 4
    _received_once_each(server, 6)
    assert {m.status for m in _messages()} == {OutboxStatus.SENT}


def test_a_sender_killed_after_the_server_took_a_message_never_sends_it_again(app, sender_held_at):
    server, sender = sender_held_at(5, "DATA", 3)  # the third is received; the sender never hears it was accepted
    _kill(sender)

    _claims_outlive_their_timeout(app)
    report = deliver_due()
    assert (report.sent, report.failed) == (2, 1)
    _received_once_each(server, 5)
    uncertain = _messages()[2]
    assert uncertain.status == OutboxStatus.FAILED and "may have arrived" in uncertain.last_error
    assert [m.status for m in _messages()].count(OutboxStatus.SENT) == 4


def test_a_stopped_sender_gives_its_claims_back_at_once(app, sender_held_at):
    server, sender = sender_held_at(4, "RCPT", 2)
    sender.terminate()  # SIGTERM, as systemd or a deploy stops the --loop service
    assert sender.wait(timeout=30) != 0
    assert [(m.status, m.claimed_by) for m in _messages()[1:]] == [(OutboxStatus.QUEUED, None)] * 3

    assert deliver_due().sent == 3  # no need to wait for the claims to time out
    _received_once_each(server, 4)


def test_a_sender_too_slow_to_keep_its_claims_sends_none_of_them_again(app, sender_held_at):
    server, slow = sender_held_at(4, "RCPT", 2)
    _claims_outlive_their_timeout(app)
    assert deliver_due().sent == 3  # another run takes the abandoned-looking claims over

    server.release()  # the slow sender wakes up and goes on with what it had claimed
    output = slow.communicate(timeout=60)[0]
    _received_once_each(server, 4)
    assert {m.status for m in _messages()} == {OutboxStatus.SENT}, output
