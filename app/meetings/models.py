"""The yearly national online meeting: editions, programme, questions and answers, personal
agendas and materials.

Registration is not built again here: each edition owns a TrainingSession of kind
"annual_meeting", so registering, the waiting list, guest confirmation, join links,
cancellations and emails all go through the live-session machinery.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabelledEnum, one_of
from ..core.i18n import in_locale
from ..core.timeutil import UTCDateTime, utcnow
from ..extensions import Model, db, prefixed

ANNUAL_MEETING = "annual_meeting"  # the kind of an edition's TrainingSession (app.meetings.kinds)


class MeetingEdition(Model):
    __tablename__ = "meeting_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey(prefixed("training_session.id")), unique=True)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    feedback_open: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session = relationship("TrainingSession", lazy="joined")
    items: Mapped[list["ProgrammeItem"]] = relationship(
        back_populates="edition", order_by="(ProgrammeItem.starts_at, ProgrammeItem.track)"
    )
    questions: Mapped[list["MeetingQuestion"]] = relationship(
        back_populates="edition", order_by="MeetingQuestion.position"
    )

    def title_in(self, locale: str) -> str:
        return self.session.title_in(locale)


class ItemKind(LabelledEnum):
    TALK = "talk", _l("Talk")
    WORKSHOP = "workshop", _l("Workshop")
    DISCUSSION = "discussion", _l("Discussion")
    BREAK = "break", _l("Break")


class ProgrammeItem(Model):
    __tablename__ = "programme_item"
    __table_args__ = (one_of("kind", ItemKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey(prefixed("meeting_edition.id")), index=True)
    uid: Mapped[str] = mapped_column(String(100), unique=True)  # iCalendar UID, never changes
    sequence: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))
    track: Mapped[str | None] = mapped_column(String(100))  # parallel tracks; None = plenary
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[dict] = mapped_column(JSON)
    description: Mapped[dict] = mapped_column(JSON)  # Markdown per language
    speakers: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    edition: Mapped[MeetingEdition] = relationship(back_populates="items")
    materials: Mapped[list["Material"]] = relationship(back_populates="item", order_by="Material.id")

    def title_in(self, locale: str) -> str:
        return in_locale(self.title, locale)

    def description_in(self, locale: str) -> str:
        return in_locale(self.description, locale)


class QuestionKind(LabelledEnum):
    SHORT_TEXT = "short_text", _l("Short text")
    LONG_TEXT = "long_text", _l("Long text")
    SINGLE = "single", _l("Single choice")
    MULTIPLE = "multiple", _l("Multiple choice")
    CONSENT = "consent", _l("Consent checkbox")


class QuestionForm(LabelledEnum):
    REGISTRATION = "registration", _l("Registration form")
    FEEDBACK = "feedback", _l("Feedback form")


class MeetingQuestion(Model):
    """A question an organiser adds to the registration or feedback form of an edition."""

    __tablename__ = "meeting_question"
    __table_args__ = (UniqueConstraint("edition_id", "key"), one_of("form", QuestionForm), one_of("kind", QuestionKind))

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey(prefixed("meeting_edition.id")), index=True)
    form: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(60))  # stable: export column, answers' link
    kind: Mapped[str] = mapped_column(String(12))
    label: Mapped[dict] = mapped_column(JSON)
    options: Mapped[list] = mapped_column(JSON, default=list)  # [{key, label: {locale: text}}]
    required: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # Consent to show one's name on the participant list is a question like any other:
    # this marks which one the participant list reads.
    is_listing_consent: Mapped[bool] = mapped_column(default=False)

    edition: Mapped[MeetingEdition] = relationship(back_populates="questions")

    def label_in(self, locale: str) -> str:
        return in_locale(self.label, locale)


class MeetingAnswer(Model):
    __tablename__ = "meeting_answer"
    __table_args__ = (UniqueConstraint("question_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey(prefixed("meeting_question.id")))
    registration_id: Mapped[int] = mapped_column(ForeignKey(prefixed("registration.id")), index=True)
    value: Mapped[object] = mapped_column(JSON)  # text, a list of option keys, or true/false
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question: Mapped[MeetingQuestion] = relationship()


agenda_pick = Table(
    prefixed("agenda_pick"),
    db.metadata,
    Column("registration_id", ForeignKey(prefixed("registration.id"), ondelete="CASCADE"), primary_key=True),
    Column("item_id", ForeignKey(prefixed("programme_item.id"), ondelete="CASCADE"), primary_key=True),
)


class Material(Model):
    __tablename__ = "meeting_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey(prefixed("meeting_edition.id")), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey(prefixed("programme_item.id")))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(500))
    file_name: Mapped[str | None] = mapped_column(String(300))
    stored_as: Mapped[str | None] = mapped_column(String(100))  # file under instance/materials/
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[ProgrammeItem | None] = relationship(back_populates="materials")
