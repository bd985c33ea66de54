"""The audit log page for admins."""

from dataclasses import dataclass

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..accounts.policy import can_read_audit_log, guard
from ..core.pagination import paginate
from . import services
from .models import AuditEvent

blueprint = Blueprint("audit_manage", __name__, url_prefix="/manage/audit")
guard(blueprint, can_read_audit_log)

ACTION_LABELS = {
    "personal_data.downloaded": _l("Downloaded own personal data"),
    "person.invited": _l("Invited a person"),
    "people.imported": _l("Imported coordinators"),
    "person.changed": _l("Changed a person's details"),
    "person.deactivated": _l("Deactivated a person"),
    "person.reactivated": _l("Reactivated a person"),
    "person.reinvited": _l("Sent a new invitation"),
    "person.erased": _l("Erased a person's personal data"),
    "area.saved": _l("Saved an area"),
    "course.assigned": _l("Assigned a course"),
    "assignment.removed": _l("Removed a course assignment"),
    "sessions.scheduled": _l("Scheduled sessions"),
    "session.changed": _l("Changed a session"),
    "session.cancelled": _l("Cancelled a session"),
    "session.messaged": _l("Messaged a session's registrants"),
    "attendance.marked": _l("Marked attendance"),
    "edition.created": _l("Created a meeting edition"),
    "edition.changed": _l("Changed a meeting edition"),
    "programme_item.saved": _l("Saved a programme item"),
    "programme_item.deleted": _l("Deleted a programme item"),
    "question.saved": _l("Saved a meeting question"),
    "edition.messaged": _l("Messaged a meeting's registrants"),
    "material.added": _l("Added a meeting material"),
    "material.removed": _l("Removed a meeting material"),
    "recording.saved": _l("Saved a meeting's recording or feedback setting"),
    "email.retried": _l("Retried an email"),
    "report.exported": _l("Exported a report"),
    "roster.exported": _l("Exported a session roster"),
    "registrations.exported": _l("Exported a meeting's registrations"),
    "feedback.exported": _l("Exported a meeting's feedback"),
}

# How the log names and links what an event was about, by table: (its name, the page about it).
SUBJECTS = {
    "user": (
        lambda person, _locale: person.display_name,
        lambda person: url_for("accounts_manage.edit_person", person_id=person.id),
    ),
    "area": (
        lambda area, locale: area.name(locale),
        lambda area: url_for("accounts_manage.edit_area", area_id=area.id),
    ),
    "training_session": (
        lambda session, locale: session.title_in(locale),
        lambda session: url_for("events_manage.roster", session_id=session.id),
    ),
    "meeting_edition": (
        lambda edition, locale: edition.title_in(locale),
        lambda edition: url_for("meetings_manage.programme", year=edition.year),
    ),
    "course": (
        lambda course, locale: course.title_in(locale),
        lambda course: url_for("curriculum.course", key=course.key),
    ),
    "outbox_message": (
        lambda message, _locale: message.subject,
        lambda message: url_for("outbox_manage.show", message_id=message.id),
    ),
}


@dataclass(frozen=True)
class Subject:
    name: str
    url: str | None


def subjects_of(events: list[AuditEvent], locale: str) -> dict[int, Subject]:
    """What each event was about, named in `locale` and linked. A subject that no longer exists,
    or has no page, is named by kind and number."""
    found = services.subjects_of(events)
    subjects = {}
    for event in events:
        if not event.subject_kind:
            continue
        row = found.get((event.subject_kind, event.subject_id))
        if row is None or event.subject_kind not in SUBJECTS:
            subjects[event.id] = Subject(f"{event.subject_kind} {event.subject_id}", None)
        else:
            name, url = SUBJECTS[event.subject_kind]
            subjects[event.id] = Subject(name(row, locale), url(row))
    return subjects


def action_label(action: str) -> str:
    """A readable label for a recorded action; actions without one show as recorded."""
    return ACTION_LABELS.get(action, action)


def detail_text(value) -> str:
    """A recorded value as one line of text: lists and mappings spelled out, nothing as a dash."""
    if value is None:
        return "–"
    if isinstance(value, dict):
        return ", ".join(f"{name}={detail_text(item)}" for name, item in value.items())
    if isinstance(value, list):
        return ", ".join(detail_text(item) for item in value)
    return str(value)


@blueprint.route("/")
def log():
    filters = {"action": request.args.get("action", ""), "actor": request.args.get("actor", "").strip()}
    page = paginate(services.events_query(filters["action"], filters["actor"]), request.args.get("page", 1, type=int))
    return render_template(
        "kaiku/audit/log.html",
        page=page,
        actions=services.recorded_actions(),
        filters=filters,
        subjects=subjects_of(page.items, str(get_locale())),
    )
