"""Queue emails in the recipient's language and deliver them with retry and backoff."""
import smtplib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, or_, select, update

from ..accounts.models import User
from ..core.redaction import redactor
from ..core.signals import staff_action_done
from ..core.timeutil import utcnow
from ..extensions import db
from .models import OutboxMessage, OutboxStatus

# A run that died mid-send leaves rows in SENDING; after this long another run takes them over.
STALE_CLAIM = timedelta(minutes=15)


def queue_email(recipient: str, locale: str, template: str, calendar: tuple[str, bytes] | None = None,
                reply_to: str | None = None, **context) -> OutboxMessage:
    """Store an email rendered from emails/<template>.txt in the given locale, with an optional
    calendar invitation (METHOD, .ics bytes) attached and an optional Reply-To address (the
    person who wrote the message).

    The template sets `subject`; its output is the body. The caller commits, so the email
    is stored in the same transaction as the change it reports.
    """
    with force_locale(locale):
        module = current_app.jinja_env.get_template(f"emails/{template}.txt").make_module(
            {**context, "site_name": current_app.config["SITE_NAME"]}
        )
        body = str(module).strip() + "\n"
    message = OutboxMessage(
        recipient=recipient, locale=locale, subject=str(module.subject).strip(), body_text=body, reply_to=reply_to,
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


def _claim_due(batch_size: int, claim_id: str) -> list[OutboxMessage]:
    """Mark due messages as ours in one UPDATE so that parallel runs never send one twice.

    The UPDATE repeats the "due" condition: a row another run claimed meanwhile no longer
    matches it, so only one run's claim succeeds.
    """
    now = utcnow()
    due = or_(
        (OutboxMessage.status == OutboxStatus.QUEUED) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING)
        & (OutboxMessage.last_attempt_at < now - STALE_CLAIM),
    )
    ids = list(db.session.scalars(
        select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(batch_size)
    ))
    if not ids:
        return []
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), due)
        .values(status=OutboxStatus.SENDING, last_attempt_at=now, claimed_by=claim_id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.claimed_by == claim_id).order_by(OutboxMessage.id)
    ))


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body_text)
    if message.calendar_ics:
        email.add_attachment(message.calendar_ics.encode(), maintype="text", subtype="calendar",
                             filename="invitation.ics", params={"method": message.calendar_method, "charset": "utf-8"})
    # Last: set_content and add_attachment move Content-* headers into the body part.
    email["Content-Language"] = message.locale
    return email


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    if config["MAIL_USE_TLS"]:
        smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _record_failure(message: OutboxMessage, error: Exception, report: DeliveryReport) -> None:
    config = current_app.config
    message.attempts += 1
    message.claimed_by = None
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        report.failed += 1
    else:
        backoff = config["OUTBOX_RETRY_BASE_SECONDS"] * 2 ** (message.attempts - 1)
        message.status = OutboxStatus.QUEUED
        message.next_attempt_at = utcnow() + timedelta(seconds=backoff)
        report.retrying += 1


def deliver_due(batch_size: int = 100) -> DeliveryReport:
    """Send every message that is due. Each is committed as sent right after the SMTP server
    accepts it; a failure puts it back in the queue with exponential backoff, and after
    OUTBOX_MAX_ATTEMPTS it is marked failed for an admin to see."""
    report = DeliveryReport()
    while claimed := _claim_due(batch_size, uuid.uuid4().hex):
        try:
            smtp = _connect()
        except (OSError, smtplib.SMTPException) as error:
            for message in claimed:
                _record_failure(message, error, report)
            db.session.commit()
            return report
        with smtp:
            for message in claimed:
                try:
                    smtp.send_message(_as_email(message))
                except (OSError, smtplib.SMTPException) as error:
                    _record_failure(message, error, report)
                else:
                    message.status = OutboxStatus.SENT
                    message.sent_at = utcnow()
                    message.attempts += 1
                    message.last_error = None
                    message.claimed_by = None
                    report.sent += 1
                db.session.commit()
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


# --- personal data -------------------------------------------------------------------------------------

def _sent_to(email: str):
    return OutboxMessage.recipient == email  # addresses are stored in lower case


def personal_data(person: User) -> dict:
    """The emails sent or queued to the person's address, for their data download."""
    return {"emails": [
        {"subject": message.subject, "created_at": message.created_at, "status": message.status,
         "sent_at": message.sent_at}
        for message in db.session.scalars(select(OutboxMessage).where(_sent_to(person.email)).order_by(OutboxMessage.id))]}


def erase_personal_data(person: User | None, *, former_email: str, former_name: str = "", **_event) -> None:
    """Delete every email to the erased person's former address, sent or not, including those
    that erasing itself queued (cancellations). In emails to others (a trainer's message, an
    invitation they sent), queued or kept, the site's name stands where theirs was, and no reply
    goes to their address. The erasing service commits."""
    db.session.execute(delete(OutboxMessage).where(_sent_to(former_email)))
    identity = [text for text in (former_email, former_name) if text]
    unnamed = redactor(identity, current_app.config["SITE_NAME"])
    for message in db.session.scalars(select(OutboxMessage).where(or_(
            OutboxMessage.reply_to == former_email,
            *(column.contains(text, autoescape=True) for column in (OutboxMessage.subject, OutboxMessage.body_text)
              for text in identity)))):
        message.subject, message.body_text = unnamed(message.subject), unnamed(message.body_text)
        if message.reply_to == former_email:
            message.reply_to = None
