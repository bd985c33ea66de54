"""Live remote training sessions and registrations for them.

A session's meeting link is a secret: calendars and emails carry our join URL instead, which
forwards confirmed registrants to the current link shortly before the start.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, String, Table, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabelledEnum, one_of
from ..core.i18n import in_locale
from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import Model, db, prefixed

session_trainer = Table(
    prefixed("session_trainer"),
    db.metadata,
    Column("session_id", ForeignKey(prefixed("training_session.id"), ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey(prefixed("user.id")), primary_key=True),
)


SESSION = "session"  # the kind of a live training session; other kinds are registered in app.events.kinds


class TrainingSession(Model):
    __tablename__ = "training_session"
    __table_args__ = (
        Index(prefixed("ix_training_session_kind_ends_at"), "kind", "ends_at"),  # upcoming and past sessions
        # The kinds registered today (app.events.kinds); a new kind comes with a migration widening this.
        one_of("kind", (SESSION, "annual_meeting")),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity_positive"),
        CheckConstraint("confirmed_count >= 0", name="confirmed_count_not_negative"),
        # The seat counter's invariant, whatever the code that moves it: never more confirmed than seats.
        CheckConstraint("capacity IS NULL OR confirmed_count <= capacity", name="seats_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What kind of session this is (app.events.kinds): a live training session, or e.g. the
    # registration of an annual meeting edition.
    kind: Mapped[str] = mapped_column(String(20), default=SESSION, server_default=SESSION)
    uid: Mapped[str] = mapped_column(String(100), unique=True)  # iCalendar UID, never changes
    series_key: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON)  # Markdown per language
    course_id: Mapped[int | None] = mapped_column(ForeignKey(prefixed("course.id")), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_url: Mapped[str] = mapped_column(String(500))
    joining_instructions: Mapped[dict] = mapped_column(JSON)
    capacity: Mapped[int | None]  # None: no limit
    confirmed_count: Mapped[int] = mapped_column(default=0)  # seats taken; changed only by atomic UPDATEs
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_to_guests: Mapped[bool] = mapped_column(default=False)  # anyone with the link, accounts or not
    audience_roles: Mapped[list] = mapped_column(JSON, default=list)
    audience_area_ids: Mapped[list] = mapped_column(JSON, default=list)
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)  # refuses a save made on an outdated form

    course = relationship("Course")
    trainers = relationship("User", secondary=session_trainer, lazy="selectin", order_by="User.name")

    __mapper_args__ = {"version_id_col": version}

    def title_in(self, locale: str) -> str:
        return in_locale(self.title, locale)

    def description_in(self, locale: str) -> str:
        return in_locale(self.description, locale)

    def instructions_in(self, locale: str) -> str:
        return in_locale(self.joining_instructions, locale)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def seats_left(self) -> int | None:
        """Free seats; None when the session has no limit."""
        return None if self.capacity is None else max(0, self.capacity - self.confirmed_count)


class RegistrationStatus(LabelledEnum):
    # A guest who has not yet clicked the email confirmation link:
    UNCONFIRMED = "unconfirmed", _l("Waiting for email confirmation")
    CONFIRMED = "confirmed", _l("Confirmed")
    WAITING = "waiting", _l("On the waiting list")
    CANCELLED = "cancelled", _l("Cancelled")


class Attendance(LabelledEnum):
    ATTENDED = "attended", _l("Attended")
    NO_SHOW = "no_show", _l("Did not attend")


ACTIVE_ONLY = "status != 'cancelled'"


class Registration(Model):
    __table_args__ = (
        Index(prefixed("ix_registration_queue"), "session_id", "status", "id"),
        one_of("status", RegistrationStatus),
        one_of("attendance", Attendance),
        # One active registration per person and per guest email (NULLs never clash).
        Index(
            prefixed("uq_registration_active_person"),
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=text(ACTIVE_ONLY),
            postgresql_where=text(ACTIVE_ONLY),
        ),
        Index(
            prefixed("uq_registration_active_guest"),
            "session_id",
            "guest_email",
            unique=True,
            sqlite_where=text(ACTIVE_ONLY),
            postgresql_where=text(ACTIVE_ONLY),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey(prefixed("training_session.id")))
    user_id: Mapped[int | None] = mapped_column(ForeignKey(prefixed("user.id")), index=True)
    # Guests: who they are, as they told us.
    guest_name: Mapped[str | None] = mapped_column(String(200))
    guest_email: Mapped[str | None] = mapped_column(String(254), index=True)
    guest_organisation: Mapped[str | None] = mapped_column(String(200))
    guest_area: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(5))
    status: Mapped[str] = mapped_column(String(12))
    attendance: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Given when joining the waiting list, the session's next number: the list is served in this
    # order (a guest who confirms late joins at the end, not at the place of the first click).
    queue_number: Mapped[int | None]
    # Inside the promotion cutoff, a free seat is offered to the first waiting people instead.
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Guests: when the last confirmation link was sent; the registration lapses with that link.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[TrainingSession] = relationship()
    user = relationship("User")

    @property
    def name(self) -> str:
        """The registrant's name; an erased person's or guest's is a placeholder."""
        if self.user:
            return self.user.display_name
        return self.guest_name or str(_l("Erased person"))

    @property
    def email(self) -> str | None:
        """Where to write to the registrant; None once they have been erased."""
        if self.user:
            return None if self.user.erased_at else self.user.email
        return self.guest_email

    @property
    def is_active(self) -> bool:
        return self.status != RegistrationStatus.CANCELLED


class ReminderSent(Model):
    """One row per reminder sent, so that `flask reminders send` never sends one twice."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("registration_id", "minutes_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey(prefixed("registration.id")))
    minutes_before: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
