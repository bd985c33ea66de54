"""Queue emails in the recipient's language and deliver them with retry and backoff.

A run that stops mid-batch: exactly once, but for one window.
- A run claims a batch (SENDING). Stopped by SIGTERM, Ctrl-C or an error, it gives back at once
  what it has not started; killed, it leaves its claims, and another run takes them over after
  OUTBOX_CLAIM_TIMEOUT_SECONDS. None of those had gone to the server: each is sent once.
- Once the server has taken the sender and recipient, and just before the message itself goes
  over, the run commits DELIVERING; when the server accepts it, SENT. What a dead run left
  DELIVERING is never sent again (at most once) but marked failed, for an admin to retry. If the
  run died after the server's answer, before its commit, the message has arrived once. If it died
  (or the connection broke) while the server was taking the message, before the answer, it may
  not have arrived: the one window left, and such a message is listed as failed.
"""

import re
import smtplib
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import CursorResult, Delete, Select, String, Update, delete, func, or_, select, update

from ..accounts.models import User
from ..core.redaction import redactor
from ..core.signals import staff_action_done
from ..core.timeutil import utcnow
from ..extensions import db
from .models import OutboxMessage, OutboxStatus

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
INTERRUPTED = (
    "The delivery run stopped while the SMTP server was taking this message, so it may have "
    "arrived; it is not sent again by itself. Retry it if the recipient did not get it."
)


def _header_value(text: str, column: str) -> str:
    """One line that fits its column: a line break (or another control character) would end the
    header or begin a new one, so it becomes a space; a longer value is cut with an ellipsis."""
    limit = cast(String, OutboxMessage.__table__.c[column].type).length or 0
    text = " ".join(_CONTROL_CHARACTERS.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def requested_limit_reached(recipient: str) -> bool:
    """Whether the address has had its hourly share of the emails anyone may ask for (see
    queue_email). Counted from the table, so that every worker and process sees the same count."""
    since = utcnow() - timedelta(hours=1)
    requested = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.recipient == recipient, OutboxMessage.requested, OutboxMessage.created_at > since)
    )
    return requested >= current_app.config["REQUESTED_EMAILS_PER_ADDRESS_PER_HOUR"]


def queue_email(
    recipient: str,
    locale: str,
    template: str,
    calendar: tuple[str, bytes] | None = None,
    reply_to: str | None = None,
    requested: bool = False,
    **context,
) -> OutboxMessage | None:
    """Store an email rendered from emails/<template>.txt in the given locale, with an optional
    calendar invitation (METHOD, .ics bytes) attached and an optional Reply-To address (the
    person who wrote the message).

    requested: anyone may ask for this email to any address (a password reset, a guest's
    confirmation link). The address gets at most REQUESTED_EMAILS_PER_ADDRESS_PER_HOUR of them
    an hour, so that nobody can flood it through us; over that nothing is queued and None is
    returned. The caller answers the same either way, telling nothing about the address.

    The template sets `subject`; its output is the body. The caller commits, so the email
    is stored in the same transaction as the change it reports.
    """
    recipient = _header_value(recipient, "recipient")
    if requested and requested_limit_reached(recipient):
        return None
    with force_locale(locale):
        module = current_app.jinja_env.get_template(f"kaiku/emails/{template}.txt").make_module(
            {**context, "site_name": current_app.config["SITE_NAME"]}
        )
        body = str(module).strip() + "\n"
    message = OutboxMessage(
        recipient=recipient,
        locale=locale,
        subject=_header_value(str(cast(Any, module).subject), "subject"),
        body_text=body,
        reply_to=_header_value(reply_to, "reply_to") if reply_to else None,
        requested=requested,
        calendar_method=calendar[0] if calendar else None,
        calendar_ics=calendar[1].decode() if calendar else None,
    )
    db.session.add(message)
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _rows_changed(statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE that leaves the session's objects alone; how many rows it changed."""
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return cast(CursorResult, result).rowcount


def _claim_timeout() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])


def _claim_due(batch_size: int, claim_id: str) -> list[OutboxMessage]:
    """Mark due messages as ours in one UPDATE so that parallel runs never send one twice.

    The UPDATE repeats the "due" condition: a row another run claimed meanwhile no longer
    matches it, so only one run's claim succeeds. A claim that a run left for longer than the
    claim timeout is taken over; if that run was only slow, it finds out before sending
    (_hand_over) and leaves the message alone.
    """
    now = utcnow()
    due = or_(
        (OutboxMessage.status == OutboxStatus.QUEUED) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.last_attempt_at < now - _claim_timeout()),
    )
    ids = list(db.session.scalars(select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(batch_size)))
    if not ids:
        return []
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), due)
        .values(status=OutboxStatus.SENDING, last_attempt_at=now, claimed_by=claim_id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.claimed_by == claim_id).order_by(OutboxMessage.id))
    )


def _fail_interrupted_deliveries(report: DeliveryReport) -> None:
    """A message that a run left DELIVERING for longer than the claim timeout may have arrived:
    it is marked failed with that reason, never sent again by itself."""
    failed = _rows_changed(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.DELIVERING, OutboxMessage.last_attempt_at < utcnow() - _claim_timeout()
        )
        .values(
            status=OutboxStatus.FAILED, attempts=OutboxMessage.attempts + 1, claimed_by=None, last_error=INTERRUPTED
        )
    )
    db.session.commit()
    report.failed += failed


def _release_claims(claim_id: str) -> None:
    """Give back the messages of a stopped run that it had not started, for the next run."""
    db.session.rollback()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.claimed_by == claim_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(status=OutboxStatus.QUEUED, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _message_id(message: OutboxMessage) -> str:
    """In the site's own domain, and the same on every attempt: a copy can be told for what it is."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname
    return f"<{message.created_at:%Y%m%d%H%M%S}.{message.id}.outbox@{domain}>"


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Date"] = format_datetime(message.created_at)  # when it was written: its text speaks of then
    email["Message-ID"] = _message_id(message)
    email.set_content(message.body_text)
    if message.calendar_ics:
        email.add_attachment(
            message.calendar_ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="invitation.ics",
            params={"method": message.calendar_method, "charset": "utf-8"},
        )
    # Last: set_content and add_attachment move Content-* headers into the body part.
    email["Content-Language"] = message.locale
    return email


class _ClaimLost(Exception):
    """Another run has taken the message over: this one must not send it."""


class _Connection(smtplib.SMTP):
    """An SMTP connection that calls `before_data` when the server has taken the sender and
    recipient, just before the message itself goes over: the last moment at which it has
    certainly not been delivered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.before_data: Callable[[], None] = lambda: None
        super().__init__(*args, **kwargs)

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.before_data()
        return super().data(msg)


def _connect() -> _Connection:
    config = current_app.config
    smtp = _Connection(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    if config["MAIL_USE_TLS"]:
        smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _hand_over(message: OutboxMessage, claim_id: str) -> None:
    """Record that the message is going to the server, if it is still ours to send."""
    still_ours = _rows_changed(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.claimed_by == claim_id,
            OutboxMessage.status == OutboxStatus.SENDING,
        )
        .values(status=OutboxStatus.DELIVERING, last_attempt_at=utcnow())
    )
    db.session.commit()
    if not still_ours:
        raise _ClaimLost


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _record_failure(message: OutboxMessage, reason: str, report: DeliveryReport, final: bool = False) -> None:
    """Put the message back in the queue with exponential backoff, or (after
    OUTBOX_MAX_ATTEMPTS, or when trying again cannot help) mark it failed with its reason."""
    config = current_app.config
    message.attempts += 1
    message.claimed_by = None
    message.last_error = reason[:2000]
    if final or message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        report.failed += 1
    else:
        backoff = config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
        message.status = OutboxStatus.QUEUED
        message.next_attempt_at = utcnow() + timedelta(seconds=backoff)
        report.retrying += 1


def _deliver(smtp: _Connection, message: OutboxMessage, claim_id: str, report: DeliveryReport) -> None:
    """Send one claimed message and commit what became of it; its faults are its own."""
    try:
        email = _as_email(message)
    except Exception as error:  # a fault of the stored message itself: no later attempt can help
        _record_failure(message, f"The message could not be built: {_reason(error)}", report, final=True)
        db.session.commit()
        return
    smtp.before_data = lambda: _hand_over(message, claim_id)
    try:
        smtp.send_message(email)
    except _ClaimLost:
        with suppress(OSError, smtplib.SMTPException):  # a broken connection fails the next message
            smtp.rset()
        return
    except smtplib.SMTPResponseException as refusal:  # the server answered no: it was not delivered
        _record_failure(message, _reason(refusal), report)
    except (OSError, smtplib.SMTPException) as error:
        handed_over = message.status == OutboxStatus.DELIVERING
        _record_failure(
            message, f"{INTERRUPTED} ({_reason(error)})" if handed_over else _reason(error), report, final=handed_over
        )
    else:
        message.status = OutboxStatus.SENT
        message.sent_at = utcnow()
        message.attempts += 1
        message.last_error = None
        message.claimed_by = None
        report.sent += 1
    db.session.commit()


def _deliver_batch(claimed: list[OutboxMessage], claim_id: str, report: DeliveryReport) -> bool:
    """Send a claimed batch over one connection; False if the SMTP server could not be reached
    (then every message of the batch waits for a later run)."""
    try:
        smtp = _connect()
    except (OSError, smtplib.SMTPException) as error:
        for message in claimed:
            _record_failure(message, _reason(error), report)
        db.session.commit()
        return False
    try:
        for message in claimed:
            _deliver(smtp, message, claim_id, report)
    except BaseException:
        smtp.close()  # without QUIT: a hung server may be why we stop
        raise
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
    return True


def deliver_due(batch_size: int = 100) -> DeliveryReport:
    """Send every message that is due. Each is committed as sent right after the SMTP server
    accepts it; a failure puts it back in the queue with exponential backoff, and after
    OUTBOX_MAX_ATTEMPTS (or at once, when it cannot be built) it is marked failed for an admin
    to see. One message's fault never stops the others."""
    report = DeliveryReport()
    _fail_interrupted_deliveries(report)
    while claimed := _claim_due(batch_size, claim_id := uuid.uuid4().hex):
        try:
            if not _deliver_batch(claimed, claim_id, report):
                break
        except BaseException:  # stopped (a signal, Ctrl-C) or a fault of ours: give back what was not tried
            _release_claims(claim_id)
            raise
    return report


def retry(message: OutboxMessage, retried_by: User | None = None) -> bool:
    """Put a failed message back in the queue for the next delivery run; False if it had not
    failed (nothing to retry)."""
    if message.status != OutboxStatus.FAILED:
        return False
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = utcnow()
    message.last_error = None
    message.attempts = 0
    staff_action_done.send(retried_by, action="email.retried", subject=message)
    db.session.commit()
    return True


# --- retention ------------------------------------------------------------------------------------------


def purge_sent(batch_size: int = 1000) -> int:
    """Delete the messages sent more than OUTBOX_KEEP_SENT_DAYS ago (0 keeps them all) and say how
    many. Only sent ones: a queued, claimed, delivering or failed message is never deleted here.
    In batches, so that no statement names too many rows, and one transaction: all or none."""
    keep_days = current_app.config["OUTBOX_KEEP_SENT_DAYS"]
    if keep_days <= 0:
        return 0
    old = (OutboxMessage.status == OutboxStatus.SENT) & (OutboxMessage.sent_at < utcnow() - timedelta(days=keep_days))
    purged = 0
    while ids := list(
        db.session.scalars(select(OutboxMessage.id).where(old).order_by(OutboxMessage.id).limit(batch_size))
    ):
        purged += _rows_changed(delete(OutboxMessage).where(OutboxMessage.id.in_(ids), old))
    db.session.commit()
    return purged


# --- the admin's view of the outbox ------------------------------------------------------------------


def find_message(message_id: int) -> OutboxMessage | None:
    return db.session.get(OutboxMessage, message_id)


def messages_query(status: str = "") -> Select[OutboxMessage]:
    """Messages newest first, only those in `status` when it is one (any other value lists all)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in set(OutboxStatus):
        query = query.where(OutboxMessage.status == status)
    return query


def status_counts() -> dict[str, int]:
    """How many messages are in each status (statuses with none are left out)."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {row[0]: row[1] for row in rows}


# --- personal data -------------------------------------------------------------------------------------


def _sent_to(email: str):
    return OutboxMessage.recipient == email  # addresses are stored in lower case


def personal_data(person: User) -> dict:
    """The emails sent or queued to the person's address, for their data download."""
    return {
        "emails": [
            {
                "subject": message.subject,
                "created_at": message.created_at,
                "status": message.status,
                "sent_at": message.sent_at,
            }
            for message in db.session.scalars(
                select(OutboxMessage).where(_sent_to(person.email)).order_by(OutboxMessage.id)
            )
        ]
    }


def erase_personal_data(person: User | None, *, former_email: str, former_name: str = "", **_event) -> None:
    """Delete every email to the erased person's former address, sent or not, including those
    that erasing itself queued (cancellations). In emails to others (a trainer's message, an
    invitation they sent), queued or kept, the site's name stands where theirs was, and no reply
    goes to their address. The erasing service commits."""
    db.session.execute(delete(OutboxMessage).where(_sent_to(former_email)))
    identity = [text for text in (former_email, former_name) if text]
    unnamed = redactor(identity, current_app.config["SITE_NAME"])
    for message in db.session.scalars(
        select(OutboxMessage).where(
            or_(
                OutboxMessage.reply_to == former_email,
                *(
                    column.contains(text, autoescape=True)
                    for column in (OutboxMessage.subject, OutboxMessage.body_text)
                    for text in identity
                ),
            )
        )
    ):
        message.subject, message.body_text = unnamed(message.subject), unnamed(message.body_text)
        if message.reply_to == former_email:
            message.reply_to = None
