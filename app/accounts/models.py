"""People, their roles, the areas they work in, and single-use account tokens."""

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabelledEnum, one_of
from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import Model, prefixed


class Role(LabelledEnum):
    ADMIN = "admin", _l("Admin")
    TRAINER = "trainer", _l("Trainer")
    COORDINATOR = "coordinator", _l("Coordinator")
    AREA_LEAD = "area_lead", _l("Area lead")  # follows the training of their own area's people


class Sector(LabelledEnum):
    CULTURE = "culture", _l("Culture")
    SOCIAL_HEALTH = "social_health", _l("Social and health services")
    WELLBEING = "wellbeing", _l("Wellbeing")


class AreaKind(LabelledEnum):
    MUNICIPALITY = "municipality", _l("Municipality")
    CITY = "city", _l("City")
    SUB_REGION = "sub_region", _l("Sub-region")
    WELLBEING_COUNTY = "wellbeing_county", _l("Wellbeing services county")


class AreaStatus(LabelledEnum):
    PILOT = "pilot", _l("Pilot")
    PERMANENT = "permanent", _l("Permanent")
    ENDED = "ended", _l("Ended")


class Area(Model):
    """A Kaikukortti locality: a municipality, a city, a sub-region or a wellbeing county."""

    __table_args__ = (one_of("kind", AreaKind), one_of("status", AreaStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    name_fi: Mapped[str] = mapped_column(String(200), unique=True)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    pilot_started_on: Mapped[date | None]
    permanent_since: Mapped[date | None]
    ended_on: Mapped[date | None]

    people: Mapped[list["User"]] = relationship(back_populates="area")

    def name(self, locale: str) -> str:
        """The name in the given language, falling back to Finnish."""
        return getattr(self, f"name_{locale}", None) or self.name_fi


class UserRole(Model):
    __tablename__ = "user_role"
    __table_args__ = (one_of("role", Role),)

    user_id: Mapped[int] = mapped_column(ForeignKey(prefixed("user.id"), ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)  # everyone with a role


class User(UserMixin, Model):
    """A person: coordinator, trainer or admin (several at once if need be)."""

    __table_args__ = (one_of("sector", Sector),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    locale: Mapped[str | None] = mapped_column(String(5))
    sector: Mapped[str | None] = mapped_column(String(20))
    area_id: Mapped[int | None] = mapped_column(ForeignKey(prefixed("area.id")), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # identity erased; figures kept
    # Part of every session and remember-me cookie; raising it ends them all (end_sessions()).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    area: Mapped[Area | None] = relationship(back_populates="people")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """Flask-Login's alternative id: a cookie names the person and the session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def display_name(self) -> str:
        """The name, or for an erased person a translated placeholder in its place."""
        return str(_l("Erased person")) if self.erased_at is not None else self.name

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    @roles.setter
    def roles(self, wanted) -> None:
        wanted = {Role(role) for role in wanted}
        self.role_rows = [row for row in self.role_rows if row.role in wanted] + [
            UserRole(role=role) for role in sorted(wanted - self.roles)
        ]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class AccountToken(Model):
    """A single-use, expiring link sent by email. Only the SHA-256 of the token is stored."""

    __table_args__ = (UniqueConstraint("token_hash"), one_of("purpose", TokenPurpose))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(prefixed("user.id"), ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
