"""Personal calendar feed tokens: calendar clients cannot sign in, so the URL is the key."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import Model, prefixed


class FeedToken(Model):
    """Only the SHA-256 of the token is stored; the owner sees the URL once, when it is made."""

    __tablename__ = "feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(prefixed("user.id")), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    alarm_minutes: Mapped[int | None]  # a reminder this long before each session, if wanted
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
