"""The annual meeting: editions, programme, answers, personal agendas, organiser views.

Registrations are ordinary registrations of the edition's TrainingSession (kind
"annual_meeting", app.meetings.kinds), made and cancelled by app.events.registrations.
"""

import os
import re
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path, PurePath
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts.models import Sector, User
from ..accounts.policy import can_see_all_sessions
from ..core.collation import finnish_key
from ..core.i18n import SUPPORTED_LOCALES
from ..core.signals import staff_action_done
from ..core.timeutil import utcnow
from ..events import registrations as registering
from ..events.models import Registration, RegistrationStatus, TrainingSession
from ..events.notifications import notify_registrant
from ..events.policy import may_see_session
from ..events.privacy import guest_registrations, registrations_made_by
from ..events.services import MESSAGED, new_session
from ..extensions import db
from .models import (
    ANNUAL_MEETING,
    Material,
    MeetingAnswer,
    MeetingEdition,
    MeetingQuestion,
    ProgrammeItem,
    QuestionForm,
    QuestionKind,
    agenda_pick,
)
from .questions import FREE_TEXT_KINDS, KINDS, kind_of

ANSWERING = (RegistrationStatus.UNCONFIRMED, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITING)

# Every edition starts with these questions; organisers can edit, reorder or add to them.
DEFAULT_QUESTIONS = [
    {
        "key": "accessibility",
        "kind": QuestionKind.LONG_TEXT,
        "required": False,
        "label": {
            "fi": "Saavutettavuustarpeet (esimerkiksi tekstitys tai tulkkaus)",
            "sv": "Behov som gäller tillgänglighet (till exempel textning eller tolkning)",
            "en": "Accessibility needs (for example captions or interpretation)",
        },
    },
    {
        "key": "show-name",
        "kind": QuestionKind.CONSENT,
        "required": False,
        "is_listing_consent": True,
        "label": {
            "fi": "Nimeni saa näkyä osallistujalistalla muille ilmoittautuneille",
            "sv": "Mitt namn får synas på deltagarlistan för andra anmälda",
            "en": "My name may be shown to other registrants on the participant list",
        },
    },
]


class AnswerProblems(ValueError):
    """Answers that cannot be saved: {question key: message}."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(", ".join(problems))
        self.problems = problems


class EditionExists(ValueError):
    """There is an edition for that year already."""


class AnswersClosed(ValueError):
    """Registration has closed, so the registration answers can no longer change."""


class FeedbackClosed(ValueError):
    """The feedback form is closed, or the registration is not a participant's of this edition."""


class ItemTimesRefused(ValueError):
    """A programme item must end after it starts."""


class MaterialIncomplete(ValueError):
    """A material needs a link or a file."""


# --- editions -----------------------------------------------------------------------------------


def editions() -> list[MeetingEdition]:
    return list(db.session.scalars(select(MeetingEdition).order_by(MeetingEdition.year.desc())))


def find_edition(year: int) -> MeetingEdition | None:
    return db.session.scalar(select(MeetingEdition).where(MeetingEdition.year == year))


def may_see_edition(person: User, edition: MeetingEdition) -> bool:
    """Whether the person may see the edition's page and its feed: everyone signed in (the
    programme is for all who work with the card), others when it is open to guests."""
    return person.is_authenticated or may_see_session(person, edition.session)


def edition_of(registration: Registration) -> MeetingEdition | None:
    return db.session.scalar(select(MeetingEdition).where(MeetingEdition.session_id == registration.session_id))


def current_edition() -> MeetingEdition | None:
    """The next edition that has not ended, else the latest one."""
    upcoming = db.session.scalar(
        select(MeetingEdition)
        .join(TrainingSession)
        .where(TrainingSession.ends_at >= utcnow())
        .order_by(TrainingSession.starts_at)
        .limit(1)
    )
    return upcoming or db.session.scalar(select(MeetingEdition).order_by(MeetingEdition.year.desc()).limit(1))


def create_edition(year: int, session_fields: dict, actor: User | None = None) -> MeetingEdition:
    """A new edition with its registration (coordinators by default) and default questions;
    EditionExists if the year has one already."""
    if find_edition(year) is not None:
        raise EditionExists(_l("An edition for this year already exists."))
    session = new_session()
    session.kind = ANNUAL_MEETING
    session.audience_roles = ["coordinator"]
    session.capacity = session_fields.pop("capacity", None)  # None: no limit
    for name, value in session_fields.items():
        setattr(session, name, value)
    db.session.add(session)
    edition = MeetingEdition(year=year, session=session)
    db.session.add(edition)
    for position, question in enumerate(DEFAULT_QUESTIONS):
        db.session.add(
            MeetingQuestion(edition=edition, form=QuestionForm.REGISTRATION, position=position, options=[], **question)
        )
    db.session.flush()
    staff_action_done.send(actor, action="edition.created", subject=edition, details={"year": year})
    db.session.commit()
    return edition


# --- programme ------------------------------------------------------------------------------------


def save_item(
    edition: MeetingEdition, item: ProgrammeItem | None, fields: dict, actor: User | None = None
) -> ProgrammeItem:
    """Add or change a programme item. A new time raises the item's SEQUENCE and emails every
    registrant (their feeds carry the new time on the next refresh). An item that would not end
    after it starts is refused with ItemTimesRefused, and nothing changes."""
    if fields["ends_at"] <= fields["starts_at"]:
        raise ItemTimesRefused(_l("The item must end after it starts."))
    if item is None:
        item = ProgrammeItem(edition=edition, uid=f"{uuid.uuid4()}@kaiku-training")
        db.session.add(item)
    moved = item.id is not None and (item.starts_at, item.ends_at) != (fields["starts_at"], fields["ends_at"])
    for name, value in fields.items():
        setattr(item, name, value)
    item.updated_at = utcnow()
    if moved:
        item.sequence += 1
        for registration in registrations(edition, (RegistrationStatus.CONFIRMED,)):
            notify_registrant(
                registration, "programme_changed", item=item, item_title=item.title_in(registration.locale)
            )
    db.session.flush()
    staff_action_done.send(
        actor,
        action="programme_item.saved",
        subject=edition,
        details={"item": item.title_in("fi"), "starts_at": item.starts_at},
    )
    db.session.commit()
    return item


def agendas_with(item: ProgrammeItem) -> int:
    """How many registrants have the item in their personal agenda."""
    return db.session.scalar(select(func.count()).select_from(agenda_pick).where(agenda_pick.c.item_id == item.id)) or 0


def delete_item(item: ProgrammeItem, actor: User | None = None) -> None:
    """Remove the item from the programme, from every personal agenda and so from the feeds.
    Its materials stay, for the whole meeting (the ORM clears their item_id)."""
    db.session.execute(agenda_pick.delete().where(agenda_pick.c.item_id == item.id))
    db.session.delete(item)
    staff_action_done.send(
        actor, action="programme_item.deleted", subject=item.edition, details={"item": item.title_in("fi")}
    )
    db.session.commit()


def programme_by_day(edition: MeetingEdition, zone: tzinfo) -> list[tuple]:
    """[(date, [items])] in Finnish time, parallel items side by side in start order."""
    days: dict = {}
    for item in edition.items:
        days.setdefault(item.starts_at.astimezone(zone).date(), []).append(item)
    return sorted(days.items())


# --- registration answers and the personal agenda -------------------------------------------------


def questions(edition: MeetingEdition, form: str) -> list[MeetingQuestion]:
    return [question for question in edition.questions if question.form == form]


def check_answers(edition: MeetingEdition, form: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The answers cleaned for storing, or AnswerProblems naming each wrong one."""
    answers, problems = {}, {}
    for question in questions(edition, form):
        kind = kind_of(question)
        value = kind.clean(question, raw.get(question.key))
        problem = str(_l("Answer this question.")) if question.required and not value else kind.problem(value)
        if problem:
            problems[question.key] = problem
        answers[question.key] = value
    if problems:
        raise AnswerProblems(problems)
    return answers


def save_answers(registration: Registration, edition: MeetingEdition, form: str, answers: dict) -> None:
    """Store the registrant's (checked) answers to the form's questions."""
    _store_answers(registration, edition, form, answers)
    db.session.commit()


def _store_answers(registration: Registration, edition: MeetingEdition, form: str, answers: dict) -> None:
    stored = {
        answer.question_id: answer
        for answer in db.session.scalars(select(MeetingAnswer).where(MeetingAnswer.registration_id == registration.id))
    }
    for question in questions(edition, form):
        answer = stored.get(question.id) or MeetingAnswer(question=question, registration_id=registration.id)
        answer.value, answer.updated_at = answers.get(question.key), utcnow()
        db.session.add(answer)


def update_answers(registration: Registration, edition: MeetingEdition, raw: dict[str, Any]) -> None:
    """Change the registration answers while registration is open (or not yet open): else
    AnswersClosed; wrong answers raise AnswerProblems. Nothing is stored unless all are right."""
    if not answers_editable(edition):
        raise AnswersClosed(_l("Registration has closed, so answers can no longer be changed."))
    save_answers(
        registration, edition, QuestionForm.REGISTRATION, check_answers(edition, QuestionForm.REGISTRATION, raw)
    )


def save_feedback(edition: MeetingEdition, registration: Registration | None, raw: dict[str, Any]) -> None:
    """Store a participant's feedback while the form is open: else FeedbackClosed; wrong answers
    raise AnswerProblems."""
    if registration is None or not may_give_feedback(edition, registration):
        raise FeedbackClosed()
    save_answers(registration, edition, QuestionForm.FEEDBACK, check_answers(edition, QuestionForm.FEEDBACK, raw))


def answers_of(registration: Registration) -> dict[str, object]:
    return {
        answer.question.key: answer.value
        for answer in db.session.scalars(select(MeetingAnswer).where(MeetingAnswer.registration_id == registration.id))
    }


def answers_editable(edition: MeetingEdition) -> bool:
    return registering.registration_state(edition.session) in ("open", "not_yet_open")


def register(edition: MeetingEdition, person: User, locale: str, answers: dict) -> Registration:
    """Register with answers, all or nothing."""
    registration = registering.register_person(edition.session, person, locale, commit=False)
    _store_answers(registration, edition, QuestionForm.REGISTRATION, answers)
    db.session.commit()
    return registration


def register_guest(edition: MeetingEdition, guest: dict, locale: str, answers: dict) -> Registration:
    """A guest's registration with answers, all or nothing; it waits for the email confirmation."""
    registration = registering.register_guest(edition.session, locale=locale, commit=False, **guest)
    _store_answers(registration, edition, QuestionForm.REGISTRATION, answers)
    db.session.commit()
    return registration


def picked_item_ids(registration: Registration) -> set[int]:
    return set(
        db.session.scalars(select(agenda_pick.c.item_id).where(agenda_pick.c.registration_id == registration.id))
    )


def set_agenda(registration: Registration, edition: MeetingEdition, item_ids: set[int]) -> None:
    """Replace the registrant's personal agenda with the chosen items of this edition."""
    valid = {item.id for item in edition.items} & item_ids
    db.session.execute(agenda_pick.delete().where(agenda_pick.c.registration_id == registration.id))
    if valid:
        db.session.execute(
            agenda_pick.insert(),
            [{"registration_id": registration.id, "item_id": item_id} for item_id in sorted(valid)],
        )
    db.session.commit()


def agenda_items(registration: Registration, edition: MeetingEdition) -> list[ProgrammeItem]:
    """The items the registrant picked, or the whole programme if they picked none."""
    picked = picked_item_ids(registration)
    return [item for item in edition.items if not picked or item.id in picked]


# --- what participants may open ------------------------------------------------------------------------
# Guests have no account: they reach all this through the manage link in their emails.


def is_participant(registration: Registration | None) -> bool:
    return registration is not None and registration.status == RegistrationStatus.CONFIRMED


def _participates_in(edition: MeetingEdition, registration: Registration | None) -> bool:
    return registration is not None and is_participant(registration) and registration.session_id == edition.session_id


def may_give_feedback(edition: MeetingEdition, registration: Registration | None) -> bool:
    return edition.feedback_open and _participates_in(edition, registration)


def may_open_materials(edition: MeetingEdition, registration: Registration | None, person: User | None = None) -> bool:
    """Materials are for the edition's participants and for staff."""
    if person is not None and can_see_all_sessions(person):
        return True
    return _participates_in(edition, registration)


def may_see_participants(person: User, registration: Registration | None) -> bool:
    """The participant list is for staff and for the edition's confirmed registrants."""
    return can_see_all_sessions(person) or is_participant(registration)


# --- for organisers ---------------------------------------------------------------------------------


def registrations(edition: MeetingEdition, statuses=ANSWERING) -> list[Registration]:
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.session_id == edition.session_id, Registration.status.in_(statuses))
            .order_by(Registration.id)
        )
    )


def participant_list(edition: MeetingEdition) -> list[str]:
    """Names of confirmed registrants who consented to be listed (erased people have no name)."""
    consent = next((q for q in edition.questions if q.is_listing_consent), None)
    if consent is None:
        return []
    consenting = {
        answer.registration_id
        for answer in db.session.scalars(select(MeetingAnswer).where(MeetingAnswer.question_id == consent.id))
        if answer.value is True
    }
    return sorted(
        (
            registration.name
            for registration in registrations(edition, (RegistrationStatus.CONFIRMED,))
            if registration.id in consenting and registration.name
        ),
        key=finnish_key,
    )


@dataclass
class RegistrantRow:
    registration: Registration
    area: str
    organisation: str  # only guests tell theirs
    sector: str
    answers: dict


def registrant_rows(
    edition: MeetingEdition, locale: str, area: str = "", sector: str = "", status: str = ""
) -> list[RegistrantRow]:
    rows = []
    for registration in registrations(edition, list(RegistrationStatus)):
        person = registration.user
        row = RegistrantRow(
            registration=registration,
            area=person.area.name(locale) if person and person.area else (registration.guest_area or ""),
            organisation=registration.guest_organisation or "",
            sector=Sector(person.sector).label if person and person.sector else "",
            answers=answers_of(registration),
        )
        if (
            (not area or row.area == area)
            and (not sector or (person and person.sector == sector))
            and (not status or registration.status == status)
        ):
            rows.append(row)
    return sorted(rows, key=lambda row: finnish_key(row.registration.name))


def message_recipients(rows: list[RegistrantRow]) -> list[Registration]:
    """Who of the registrants shown gets a message: the confirmed and the waiting."""
    return [row.registration for row in rows if row.registration.status in MESSAGED]


def counts(rows: list[RegistrantRow]) -> dict[str, Counter]:
    active = [row for row in rows if row.registration.status != RegistrationStatus.CANCELLED]
    return {
        "area": Counter(row.area or "–" for row in active),
        "sector": Counter(row.sector or "–" for row in active),
        "status": Counter(row.registration.status for row in rows),
    }


def answer_text(question: MeetingQuestion, value: Any, locale: str) -> str:
    """An answer as a reader sees it: option labels, yes/no, or the text."""
    return kind_of(question).text(question, value, locale)


# --- questions -----------------------------------------------------------------------------------------


def parse_options(text: str, existing: list[dict]) -> list[dict]:
    """Option lines "Finnish | Swedish | English" into options; the n-th line keeps the key of
    the n-th existing option, so that answers stay attached when labels are edited. A line with
    separators only is refused with OptionWithoutText."""
    options = []
    lines = [(line_number, line) for line_number, line in enumerate(text.splitlines(), 1) if line.strip()]
    for number, (line_number, line) in enumerate(lines):
        labels = [part.strip() for part in line.split("|")]
        label = {locale: text for locale, text in zip(SUPPORTED_LOCALES, labels, strict=False) if text}
        if not label:
            raise OptionWithoutText(
                _l(
                    "Line %(number)d has no text: write the option as Finnish | Swedish | English, or remove the line.",
                    number=line_number,
                )
            )
        key = existing[number]["key"] if number < len(existing) else f"o{uuid.uuid4().hex[:8]}"
        options.append({"key": key, "label": label})
    return options


def options_text(question: MeetingQuestion) -> str:
    return "\n".join(
        " | ".join(option["label"].get(locale, "") for locale in SUPPORTED_LOCALES).rstrip(" |")
        for option in question.options
    )


def answer_count(question: MeetingQuestion) -> int:
    return len(db.session.scalars(select(MeetingAnswer.id).where(MeetingAnswer.question_id == question.id)).all())


def save_question(
    edition: MeetingEdition,
    question: MeetingQuestion | None,
    *,
    form: str,
    kind: str,
    label: dict,
    options: list[dict],
    required: bool,
    actor: User | None = None,
) -> MeetingQuestion:
    """Add or change a question. Once a question has answers, a change that would lose them
    (another kind of answer, a removed option) is refused with QuestionLocked."""
    behaviour = KINDS[kind]
    if behaviour.has_options and len(options) < 2:
        raise QuestionLocked(_l("A choice question needs at least two options."))
    if question is not None and answer_count(question):
        if not kind_of(question).may_become(behaviour) or question.form != form:
            raise QuestionLocked(_l("This question already has answers, so its kind and form cannot change."))
        if len(options) < len(question.options):
            raise QuestionLocked(
                _l("This question already has answers, so options cannot be removed. You can change their wording.")
            )
    if question is None:
        position = max((q.position for q in edition.questions), default=-1) + 1
        question = MeetingQuestion(edition=edition, key=f"q{uuid.uuid4().hex[:8]}", position=position)
        db.session.add(question)
    question.form, question.kind, question.label, question.required = form, kind, label, required
    question.options = options if behaviour.has_options else []
    staff_action_done.send(actor, action="question.saved", subject=edition, details={"form": form, "kind": kind})
    db.session.commit()
    return question


class QuestionLocked(ValueError):
    """The change would lose answers already given."""


class OptionWithoutText(ValueError):
    """An option line has no text in any language."""


# --- materials -----------------------------------------------------------------------------------------


def materials_folder() -> Path:
    folder = Path(current_app.instance_path) / "materials"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class UploadRefused(ValueError):
    """The file is too large, or not of a type materials may have; the message says which."""


def _file_name_of(upload) -> str:
    """The name the organiser's computer gave the file, without its folders or control characters,
    shortened to fit its column (keeping the extension); UploadRefused unless the file is of an
    allowed type and within the size cap."""
    name = "".join(ch for ch in re.split(r"[/\\]", upload.filename)[-1] if unicodedata.category(ch)[0] != "C").strip()
    extension = PurePath(name).suffix.lower().removeprefix(".")
    allowed = [kind.lower() for kind in current_app.config["MATERIAL_FILE_TYPES"]]
    if extension not in allowed:
        raise UploadRefused(
            _l("Choose a file of one of these types: %(types)s.", types=", ".join(f".{kind}" for kind in allowed))
        )
    upload.stream.seek(0, os.SEEK_END)
    size, max_mb = upload.stream.tell(), current_app.config["MATERIAL_MAX_MB"]
    upload.stream.seek(0)
    if size > max_mb * 1024 * 1024:
        raise UploadRefused(_l("The file may be at most %(size)d MB.", size=max_mb))
    room = Material.file_name.type.length - len(extension) - 1
    return f"{name[: -len(extension) - 1][:room]}.{name[-len(extension) :]}"


def add_material(
    edition: MeetingEdition, title: str, item_id: int | None, url: str | None, upload: Any, actor: User | None = None
) -> Material:
    """A link or an uploaded file for the whole meeting or one item; files are stored under a
    random name in the instance folder and served only to registrants. Neither a link nor a file
    raises MaterialIncomplete; an upload of a type or size materials may not have is refused with
    UploadRefused. Either way nothing is stored."""
    if not url and not (upload is not None and upload.filename):
        raise MaterialIncomplete(_l("Give a link or choose a file."))
    material = Material(edition_id=edition.id, item_id=item_id or None, title=title, url=url or None)
    if upload is not None and upload.filename:
        material.file_name = _file_name_of(upload)
        material.stored_as = uuid.uuid4().hex
        upload.save(materials_folder() / material.stored_as)
    db.session.add(material)
    staff_action_done.send(actor, action="material.added", subject=edition, details={"title": title})
    db.session.commit()
    return material


def materials_of(edition: MeetingEdition) -> list[Material]:
    return list(db.session.scalars(select(Material).where(Material.edition_id == edition.id).order_by(Material.id)))


def save_recording(
    edition: MeetingEdition, recording_url: str | None, feedback_open: bool, actor: User | None = None
) -> None:
    """The recording link and whether the feedback form is open."""
    edition.recording_url = recording_url or None
    edition.feedback_open = feedback_open
    staff_action_done.send(
        actor,
        action="recording.saved",
        subject=edition,
        details={"recording_url": edition.recording_url, "feedback_open": feedback_open},
    )
    db.session.commit()


def remove_material(material: Material, actor: User | None = None) -> None:
    """Remove a material; an uploaded file is deleted too, once the removal is committed."""
    stored_as = material.stored_as
    db.session.delete(material)
    staff_action_done.send(
        actor,
        action="material.removed",
        subject=db.session.get(MeetingEdition, material.edition_id),
        details={"title": material.title},
    )
    db.session.commit()
    if stored_as:
        (materials_folder() / stored_as).unlink(missing_ok=True)


def feedback_summary(edition: MeetingEdition, locale: str) -> list[dict]:
    """Per feedback question: for choices, how many chose each option; for texts, the answers."""
    summary = []
    for question in questions(edition, QuestionForm.FEEDBACK):
        values = [
            answer.value
            for answer in db.session.scalars(select(MeetingAnswer).where(MeetingAnswer.question_id == question.id))
        ]
        summary.append(
            {
                "question": question,
                "count": sum(1 for value in values if value),
                **kind_of(question).summary(question, values, locale),
            }
        )
    return summary


# --- personal data -------------------------------------------------------------------------------------


def personal_data(person: User) -> dict:
    """The person's answers and agenda picks at each meeting registration, for their data download."""
    registrations = registrations_made_by(person)
    editions = {
        edition.session_id: edition
        for edition in db.session.scalars(
            select(MeetingEdition).where(
                MeetingEdition.session_id.in_({registration.session_id for registration in registrations})
            )
        )
    }
    return {
        "annual_meetings": [
            _meeting_data(editions[registration.session_id], registration)
            for registration in registrations
            if registration.session_id in editions
        ]
    }


def _meeting_data(edition: MeetingEdition, registration: Registration) -> dict:
    locale = registration.locale
    answers = db.session.scalars(
        select(MeetingAnswer).where(MeetingAnswer.registration_id == registration.id).order_by(MeetingAnswer.id)
    )
    picked = picked_item_ids(registration)
    return {
        "year": edition.year,
        "answers": [
            {
                "form": answer.question.form,
                "question": answer.question.label_in(locale),
                "answer": answer.value,
                "answered_at": answer.updated_at,
            }
            for answer in answers
        ],
        "agenda": [item.title_in(locale) for item in edition.items if item.id in picked],
    }


def erase_personal_data(person: User, **_event) -> None:
    """Blank the person's free-text answers. Runs while the person still has the email address
    that their guest registrations are found by."""
    _blank_free_text(registrations_made_by(person))


def erase_guest_answers(_sender, *, email: str, **_event) -> None:
    """Blank the free-text answers a guest gave with this address."""
    _blank_free_text(guest_registrations(email))


def _blank_free_text(registrations: list[Registration]) -> None:
    """Choice and consent answers stay, so that answer counts stay the same. The erasing service commits."""
    for answer in db.session.scalars(
        select(MeetingAnswer)
        .join(MeetingQuestion)
        .where(
            MeetingAnswer.registration_id.in_([registration.id for registration in registrations]),
            MeetingQuestion.kind.in_(FREE_TEXT_KINDS),
        )
    ):
        answer.value = ""
