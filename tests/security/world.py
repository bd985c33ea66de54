"""A small but complete world for the role × route matrix: one of each thing a URL can name,
and one person (or link holder) per role."""

from dataclasses import dataclass, field
from datetime import date

from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

from kaiku_training.accounts.models import Role, TokenPurpose
from kaiku_training.accounts.services import issue_token
from kaiku_training.calendar.services import issue_feed_token
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.models import CourseAssignment
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events import registrations
from kaiku_training.events.links import guest_confirmation_token, registration_link_token
from kaiku_training.events.registrations import confirm_guest, register_person
from kaiku_training.extensions import db
from kaiku_training.meetings import services as meetings
from kaiku_training.outbox.models import OutboxMessage
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import make_area, make_user
from tests.meetings.factories import add_file_material, make_meeting, register_guest

ROLES = ("anonymous", "guest", "coordinator", "area_lead", "trainer", "admin")
FORGED_KEY = "a key anyone could guess"  # links signed with it must be worth nothing


@dataclass
class World:
    people: dict  # role → the signed-in person (None for anonymous and the guest)
    values: dict  # URL parameter → value, the same for every role
    links: dict  # what a link holder has: endpoint → token
    forged: dict = field(default_factory=dict)  # the same links as an outsider could make them
    others: dict = field(default_factory=dict)  # objects the cross-object checks need


def _forge(token_kind: str, registration_id: int) -> str:
    if token_kind == "confirm":
        return URLSafeTimedSerializer(FORGED_KEY, salt="registration-confirm").dumps(registration_id)
    return URLSafeSerializer(FORGED_KEY, salt=f"registration-{token_kind}").dumps(registration_id)


def make_person(email: str, **fields):
    """A person for tests that sign people in with act_as (or not at all): no password to hash."""
    return make_user(email, password=None, **fields)


def build_world(courses_dir) -> World:
    """Areas A and B; a coordinator and an area lead in A, another coordinator in B; a trainer
    (who trains none of the sessions) and an admin; a synced course assigned to coordinators; a
    session open to guests with the coordinator and a guest registered; an annual meeting with
    the coordinator and a guest registered and a file; the coordinator's feed and
    password-reset links; an invited person's link; the emails all this queued."""
    write_course(courses_dir)
    assert not sync_courses(courses_dir).errors
    course = curriculum.find_course("test-course")
    home, elsewhere = make_area("Kotikunta"), make_area("Muukunta")
    coordinator = make_person("coordinator@example.org", name="Coordinator", area=home)
    people = {
        "coordinator": coordinator,
        "area_lead": make_person("lead@example.org", name="Area Lead", roles=[Role.AREA_LEAD], area=home),
        "trainer": make_person("trainer@example.org", name="Trainer", roles=[Role.TRAINER]),
        "admin": make_person("admin@example.org", name="Admin", roles=[Role.ADMIN]),
    }
    other = make_person("other@example.org", name="Other Coordinator", area=elsewhere)
    invited = make_person("invited@example.org", name="Invited")
    curriculum.assign_to_all(course, date(2027, 6, 1), people["admin"], [{"role": Role.COORDINATOR}])

    session = make_session(open_to_guests=True)
    register_person(session, coordinator, "en")
    guest = confirm_guest(
        registrations.register_guest(
            session, name="Guest", email="guest@example.org", organisation="", area="", locale="en"
        )
    )
    unconfirmed = registrations.register_guest(
        session, name="Late Guest", email="late@example.org", organisation="", area="", locale="en"
    )
    edition, items, keys = make_meeting(year=2027)
    meeting_guest = register_guest(edition, "Meeting Guest", "meeting-guest@example.org", answers={keys["diet"]: "o0"})
    meetings.register(edition, coordinator, "en", {keys["diet"]: "o1"})
    material = add_file_material(edition)
    question = edition.questions[0]
    links = {
        "events.manage_registration": registration_link_token(guest, "manage"),
        "events.cancel_by_link": registration_link_token(guest, "manage"),
        "events.seat_offer": registration_link_token(guest, "offer"),
        "events.join": registration_link_token(guest, "join"),
        "events.confirm_guest": guest_confirmation_token(unconfirmed),
        "meetings.registration_page": registration_link_token(meeting_guest, "manage"),
        "meetings.registration_feedback": registration_link_token(meeting_guest, "manage"),
        "meetings.registration_material": registration_link_token(meeting_guest, "manage"),
        "calendar.personal_feed": issue_feed_token(coordinator),
        "accounts.reset_password": issue_token(coordinator, TokenPurpose.PASSWORD_RESET, 2),
        "accounts.accept_invitation": issue_token(invited, TokenPurpose.INVITATION, 168),
    }
    db.session.commit()
    forged = {
        endpoint: _forge(
            {"events.seat_offer": "offer", "events.join": "join", "events.confirm_guest": "confirm"}.get(
                endpoint, "manage"
            ),
            guest.id,
        )
        for endpoint in links
        if endpoint.startswith(("events.", "meetings."))
    }
    forged["calendar.personal_feed"] = "x" * 43
    forged["accounts.reset_password"] = forged["accounts.accept_invitation"] = "x" * 43
    values = {
        "session_id": session.id,
        "year": edition.year,
        "item_id": items["opening"].id,
        "question_id": question.id,
        "material_id": material.id,
        "person_id": other.id,
        "area_id": home.id,
        "key": course.key,
        "lesson_key": "first",
        "module_key": "basics",
        "filename": "diagram.svg",
        "assignment_id": db.session.scalar(db.select(CourseAssignment.id)),
        "message_id": db.session.scalar(db.select(OutboxMessage.id)),
        "report": "matrix",
        "table_key": "people",
        "file_format": "csv",
    }
    return World(
        people=people,
        values=values,
        links=links,
        forged=forged,
        others={"other": other, "home": home, "elsewhere": elsewhere, "session": session},
    )


def act_as(client, person) -> None:
    """Sign `person` in (None: nobody) as the sign-in page does, without hashing a password
    per request."""
    with client.session_transaction() as session:
        session.clear()
        if person is not None:
            session["_user_id"], session["_fresh"] = person.get_id(), True
