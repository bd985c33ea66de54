"""One row per recorded action: who did what, to what, with which submitted values."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(100), index=True)  # an endpoint, or a name like "reports.export"
    subject: Mapped[str | None] = mapped_column(String(200))  # e.g. "person_id=12"
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")
