"""One row per recorded action: who did what, to what, with which values."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import Model, prefixed


class AuditEvent(Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index(prefixed("ix_audit_event_subject"), "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey(prefixed("user.id")), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)  # e.g. "session.cancelled"
    # What was acted on, by table and id, so that the log shows its current name (and an erased
    # person's former name is nowhere in the log).
    subject_kind: Mapped[str | None] = mapped_column(String(50))
    subject_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")
