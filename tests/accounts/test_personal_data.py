"""Each person downloads everything held about them; an admin erases a person's identity while
every aggregate figure stays the same."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kaiku_training.accounts import privacy
from kaiku_training.accounts.models import AccountToken, Role, Sector, User
from kaiku_training.audit.models import AuditEvent
from kaiku_training.calendar import services as calendar
from kaiku_training.calendar.models import FeedToken
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.models import CheckAttempt, CourseCompletion, LessonCompletion
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events.attendance import roster, set_attendance
from kaiku_training.events.models import Attendance, Registration, RegistrationStatus
from kaiku_training.events.registrations import register_guest, register_person
from kaiku_training.extensions import db
from kaiku_training.meetings import services as meetings
from kaiku_training.meetings.models import MeetingAnswer, QuestionForm
from kaiku_training.outbox.models import OutboxMessage
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import make_admin, make_area, make_user

RIGHT = {"card-for": ["a"], "parties": ["culture", "social"]}


def _complete_course(person, course):
    for lesson in course.active_lessons:
        curriculum.complete_lesson(person, lesson, "fi")
    curriculum.submit_check(person, course.active_modules[0].active_check, RIGHT, "fi")


def _meeting():
    starts_at = utcnow() + timedelta(days=60)
    edition = meetings.create_edition(
        starts_at.year,
        {
            "title": {"fi": "Verkkotapaaminen", "en": "Online meeting"},
            "description": {},
            "meeting_url": "https://meet.example.org/annual",
            "joining_instructions": {},
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=6),
        },
    )
    diet = meetings.save_question(
        edition,
        None,
        form=QuestionForm.REGISTRATION,
        kind="single",
        required=False,
        label={"fi": "Ruokavalio", "en": "Diet"},
        options=[{"key": "any", "label": {"en": "Anything"}}, {"key": "veg", "label": {"en": "Vegetarian"}}],
    )
    return edition, diet.key


def _history(person, course, meeting, past_session, accessibility_need):
    """Progress, an attended past session, a meeting registration with answers, a feed link."""
    edition, diet = meeting
    _complete_course(person, course)
    register_person(past_session, person, "fi")
    meetings.register(edition, person, "fi", {"accessibility": accessibility_need, "show-name": True, diet: "veg"})
    calendar.issue_feed_token(person)


@pytest.fixture
def people(app, courses_dir):
    """Aino and Olli with the same kind of history; Aino also registered as a guest with her email."""
    write_course(courses_dir)
    sync_courses(courses_dir)
    course = curriculum.find_course("test-course")
    area = make_area("Esimerkkilä")
    aino = make_user("aino@example.org", name="Aino Virtanen", area=area, sector=Sector.CULTURE, locale="fi")
    olli = make_user("olli@example.org", name="Olli Muukalainen", area=area, sector=Sector.CULTURE)
    meeting, past_session = _meeting(), make_session(starts_at=utcnow() + timedelta(days=3))
    _history(aino, course, meeting, past_session, "Tarvitsen tekstityksen")
    _history(olli, course, meeting, past_session, "Olli tarvitsee tulkkauksen")
    past_session.starts_at = utcnow() - timedelta(days=2)
    past_session.ends_at = past_session.starts_at + timedelta(hours=2)
    set_attendance(past_session, {row.registration.id: Attendance.ATTENDED for row in roster(past_session)})
    open_session = make_session(open_to_guests=True, starts_at=utcnow() + timedelta(days=10))
    register_guest(
        open_session, name="Aino V.", email="aino@example.org", organisation="Kirjasto", area="Esimerkkilä", locale="fi"
    )
    return aino, olli


def _download(client, auth, email):
    auth.sign_in(email)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="kaiku-training-data.json"'
    return response.get_data(as_text=True)


def test_download_holds_ones_own_data_and_no_one_elses(client, auth, people):
    aino, olli = people
    text = _download(client, auth, "aino@example.org")
    data = json.loads(text)

    assert data["person"]["name"] == "Aino Virtanen" and data["person"]["email"] == "aino@example.org"
    assert data["person"]["roles"] == ["coordinator"] and data["person"]["sector"] == "culture"
    learning = data["learning"]
    assert [row["course"] for row in learning["enrolments"]] == ["test-course"]
    assert sorted(row["lesson"] for row in learning["lesson_completions"]) == ["first", "second"]
    assert learning["check_attempts"][0]["answers"] == RIGHT and learning["check_attempts"][0]["passed"] is True
    assert [row["course"] for row in learning["completions"]] == ["test-course"]
    by_kind = {(row["kind"], "as_guest" in row): row for row in data["registrations"]}
    assert by_kind[("session", False)]["attendance"] == "attended"
    assert by_kind[("session", True)]["as_guest"]["organisation"] == "Kirjasto"
    assert by_kind[("annual_meeting", False)]["status"] == "confirmed"
    answers = {answer["question"]: answer["answer"] for answer in data["annual_meetings"][0]["answers"]}
    assert answers["Ruokavalio"] == "veg" and "Tarvitsen tekstityksen" in answers.values()
    assert len(data["calendar_feeds"]) == 1 and data["calendar_feeds"][0]["revoked_at"] is None
    assert data["emails"] and all(email["subject"] for email in data["emails"])
    assert data["person"]["created_at"].endswith("+00:00")  # ISO 8601, UTC

    assert "olli" not in text.lower() and "Muukalainen" not in text and "tulkkauksen" not in text
    secrets = [
        aino.password_hash,
        *db.session.scalars(select(FeedToken.token_hash)),
        *db.session.scalars(select(AccountToken.token_hash)),
    ]
    assert all(secret not in text for secret in secrets)
    assert "hash" not in text


def test_download_is_recorded_in_the_audit_log(client, auth, people):
    aino, _olli = people
    _download(client, auth, "aino@example.org")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_data.downloaded")).one()
    assert event.actor_id == aino.id and (event.subject_kind, event.subject_id) == ("user", aino.id)


def test_account_page_offers_the_download(client, auth, app):
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get("/account").get_data(as_text=True)
    assert "Your data" in page and 'href="/account/data.json"' in page


def test_download_needs_sign_in(client, app):
    response = client.get("/account/data.json")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _figures() -> dict:
    """What reports count: none of it may change when a person is erased."""
    return {
        "lessons": _count(LessonCompletion),
        "checks": _count(CheckAttempt),
        "completions": _count(CourseCompletion),
        "registrations": _count(Registration),
        "attended": _count(Registration, Registration.attendance.is_not(None)),
        "answers": _count(MeetingAnswer),
        "people": {
            (area_id, sector): number
            for area_id, sector, number in db.session.execute(
                select(User.area_id, User.sector, func.count()).group_by(User.area_id, User.sector)
            )
        },
        "coordinators": _count(User, User.role_rows.any(role=Role.COORDINATOR)),
    }


def _answers_of(person_id: int) -> dict:
    """The person's meeting answers by kind of question."""
    answers = db.session.scalars(select(MeetingAnswer).join(Registration).where(Registration.user_id == person_id))
    return {answer.question.kind: answer.value for answer in answers}


def test_admin_erases_identity_and_every_figure_stays(client, auth, people):
    aino, olli = people
    make_admin(email="admin@example.org", name="Admin Person")
    before = _figures()
    olli_before = (_answers_of(olli.id), _count(OutboxMessage, OutboxMessage.recipient == "olli@example.org"))
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")

    response = client.post(f"/manage/people/{aino.id}/erase", data={"confirm_email": " Aino@Example.org "})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "personal data has been erased" in page and "was erased on" in page
    assert "Erased person" in page and "Aino" not in page and 'action="/manage/people/' not in page

    db.session.expire_all()
    person = db.session.get(User, aino.id)
    assert (person.name, person.email, person.password_hash, person.locale, person.last_sign_in_at, person.active) == (
        "",
        f"erased-{aino.id}@erased.invalid",
        None,
        None,
        None,
        False,
    )
    assert person.erased_at is not None and person.display_name == "Erased person"
    assert (person.area.name_fi, person.sector, person.roles) == ("Esimerkkilä", Sector.CULTURE, {Role.COORDINATOR})
    assert _figures() == before
    assert _count(AccountToken, AccountToken.user_id == aino.id) == 0
    assert _count(FeedToken, FeedToken.user_id == aino.id) == 0
    assert _count(OutboxMessage, OutboxMessage.recipient == "aino@example.org") == 0
    assert _answers_of(aino.id) == {"long_text": "", "consent": True, "single": "veg"}
    assert _count(Registration, Registration.guest_email == "aino@example.org") == 0
    assert _count(Registration, Registration.guest_name.is_not(None)) == 0

    assert (_answers_of(olli.id), _count(OutboxMessage, OutboxMessage.recipient == "olli@example.org")) == olli_before
    assert _count(FeedToken, FeedToken.user_id == olli.id) == 1

    listing = client.get("/manage/people?status=all").get_data(as_text=True)
    assert "Erased person" in listing and "Aino Virtanen" not in listing


def test_erasing_keeps_past_attendance_and_cancels_upcoming_registrations(app, people):
    aino, _olli = people
    admin = make_admin()
    privacy.erase(aino, erased_by=admin)
    statuses = {
        (registration.session.kind, registration.session.ends_at < utcnow()): registration
        for registration in db.session.scalars(select(Registration).where(Registration.user_id == aino.id))
    }
    past = statuses[("session", True)]
    assert past.status == RegistrationStatus.CONFIRMED and past.attendance == Attendance.ATTENDED
    assert statuses[("annual_meeting", False)].status == RegistrationStatus.CANCELLED


def test_erased_person_cannot_sign_in_and_their_download_names_no_one(client, app, people):
    aino, _olli = people
    privacy.erase(aino, erased_by=make_admin())
    assert (
        client.post("/sign-in", data={"email": "aino@example.org", "password": "correct horse battery"}).status_code
        == 200
    )
    data = privacy.download_personal_data(aino)
    assert data["person"]["name"] == "" and data["person"]["erased_at"]
    assert data["calendar_feeds"] == [] and data["emails"] == []
    assert "Aino" not in json.dumps(data, ensure_ascii=False)


def test_wrong_confirmation_changes_nothing(client, auth, people):
    aino, _olli = people
    make_admin(email="admin@example.org")
    before = (_figures(), _count(OutboxMessage))
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.post(f"/manage/people/{aino.id}/erase", data={"confirm_email": "olli@example.org"})
    assert page.status_code == 200
    assert "Nothing was erased: type the person's email address exactly" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, aino.id).name == "Aino Virtanen" and db.session.get(User, aino.id).erased_at is None
    assert (_figures(), _count(OutboxMessage)) == before
    assert _answers_of(aino.id)["long_text"] == "Tarvitsen tekstityksen"
    assert _count(FeedToken, FeedToken.user_id == aino.id) == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "accounts_manage.erase")) is None


def test_admin_cannot_erase_themselves(client, auth, app):
    admin = make_admin(email="admin@example.org", name="Admin Person")
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get(f"/manage/people/{admin.id}").get_data(as_text=True)
    assert "Erase personal data" not in page
    page = client.post(f"/manage/people/{admin.id}/erase", data={"confirm_email": "admin@example.org"})
    assert "You cannot erase your own personal data." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).erased_at is None and db.session.get(User, admin.id).active


def test_erase_form_explains_what_goes_and_what_stays(client, auth, app):
    person = make_user("aino@example.org", name="Aino Virtanen")
    make_admin(email="admin@example.org")
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get(f"/manage/people/{person.id}/erase").get_data(as_text=True)
    assert "Erasing cannot be undone" in page and "area, sector and roles" in page
    assert 'name="confirm_email"' in page and "Type aino@example.org to confirm." in page


def test_erased_person_cannot_be_changed_any_more(client, auth, app):
    person = make_user("aino@example.org")
    admin = make_admin(email="admin@example.org")
    privacy.erase(person, erased_by=admin)
    auth.sign_in("admin@example.org")
    for action, data in (("active", {"active": "1"}), ("reinvite", {}), ("erase", {"confirm_email": person.email})):
        assert client.post(f"/manage/people/{person.id}/{action}", data=data).status_code == 404
    db.session.expire_all()
    assert not db.session.get(User, person.id).active


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TRAINER])
def test_only_admins_can_erase(client, auth, app, role):
    target = make_user("aino@example.org", name="Aino Virtanen")
    make_user("staff@example.org", roles=[role])
    auth.sign_in("staff@example.org")
    response = client.post(f"/manage/people/{target.id}/erase", data={"confirm_email": "aino@example.org"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(User, target.id).name == "Aino Virtanen"
