"""People, their roles, the areas they work in, and single-use account tokens."""
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import db


class Role(StrEnum):
    ADMIN = "admin"
    TRAINER = "trainer"
    COORDINATOR = "coordinator"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.TRAINER: _l("Trainer"),
    Role.COORDINATOR: _l("Coordinator"),
}


class Sector(StrEnum):
    CULTURE = "culture"
    SOCIAL_HEALTH = "social_health"
    WELLBEING = "wellbeing"

    @property
    def label(self):
        return SECTOR_LABELS[self]


SECTOR_LABELS = {
    Sector.CULTURE: _l("Culture"),
    Sector.SOCIAL_HEALTH: _l("Social and health services"),
    Sector.WELLBEING: _l("Wellbeing"),
}


class AreaKind(StrEnum):
    MUNICIPALITY = "municipality"
    CITY = "city"
    SUB_REGION = "sub_region"
    WELLBEING_COUNTY = "wellbeing_county"

    @property
    def label(self):
        return AREA_KIND_LABELS[self]


AREA_KIND_LABELS = {
    AreaKind.MUNICIPALITY: _l("Municipality"),
    AreaKind.CITY: _l("City"),
    AreaKind.SUB_REGION: _l("Sub-region"),
    AreaKind.WELLBEING_COUNTY: _l("Wellbeing services county"),
}


class AreaStatus(StrEnum):
    PILOT = "pilot"
    PERMANENT = "permanent"
    ENDED = "ended"

    @property
    def label(self):
        return AREA_STATUS_LABELS[self]


AREA_STATUS_LABELS = {
    AreaStatus.PILOT: _l("Pilot"),
    AreaStatus.PERMANENT: _l("Permanent"),
    AreaStatus.ENDED: _l("Ended"),
}


class Area(db.Model):
    """A Kaikukortti locality: a municipality, a city, a sub-region or a wellbeing county."""

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


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    """A person: coordinator, trainer or admin (several at once if need be)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256))
    locale: Mapped[str | None] = mapped_column(String(5))
    sector: Mapped[str | None] = mapped_column(String(20))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area | None] = relationship(back_populates="people")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    @property
    def is_active(self) -> bool:
        return self.active

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

    @property
    def is_staff(self) -> bool:
        return self.has_role(Role.ADMIN, Role.TRAINER)


class TokenPurpose(StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"


class AccountToken(db.Model):
    """A single-use, expiring link sent by email. Only the SHA-256 of the token is stored."""

    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
