"""Every outgoing email is stored here first, in the recipient's language, then delivered."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.enums import LabelledEnum, one_of
from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import Model, prefixed


class OutboxStatus(LabelledEnum):
    QUEUED = "queued", _l("Queued")  # waiting for its first or next attempt
    SENDING = "sending", _l("Sending")  # claimed by a delivery run
    # Going over to the SMTP server: from here on it may have been delivered, so a run that
    # stops now leaves it to be failed (not sent again) when its claim times out.
    DELIVERING = "delivering", _l("Being delivered")
    SENT = "sent", _l("Sent")
    FAILED = "failed", _l("Failed")  # gave up after the last attempt; an admin may retry


CALENDAR_METHODS = ("REQUEST", "CANCEL")  # the iTIP methods an invitation is sent with


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index(prefixed("ix_outbox_message_due"), "status", "next_attempt_at"),
        # Also serves lookups by recipient alone (erasure, personal data).
        Index(prefixed("ix_outbox_message_recipient"), "recipient", "created_at"),
        one_of("status", OutboxStatus),
        one_of("calendar_method", CALENDAR_METHODS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    # Where answers go when a person (a trainer, an organiser) wrote the message.
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # An iTIP invitation sent with the message: its METHOD (REQUEST, CANCEL) and the .ics text.
    calendar_method: Mapped[str | None] = mapped_column(String(10))
    calendar_ics: Mapped[str | None] = mapped_column(Text)
    # Anyone may ask for it to be sent to any address (a password reset, a guest's confirmation
    # link): these count toward the address's hourly limit.
    requested: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(40), index=True)  # the delivery run's id
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
