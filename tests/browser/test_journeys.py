"""The key journeys (../shared/JOURNEYS.md: C3, C5, G1, A4, T2) in a real Chromium against the app
served over HTTP, clicking and typing as the person does, finding fields by their labels and
buttons by their names, in English and (G1) Swedish.

Each test makes the people and sessions it needs with the factories, through the app's context:
that is what happened before the journey. Every step of the journey is a click. Where time must
pass (a session takes place), the test moves the session into the past, as the clock would.
Emails go through the real outbox to the SMTP fixture.
"""

import re
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import or_, select

from kaiku_training.accounts.models import Role
from kaiku_training.accounts.services import find_user_by_email
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.models import CourseCompletion
from kaiku_training.events.models import Attendance, Registration, RegistrationStatus, TrainingSession
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db
from kaiku_training.meetings.models import MeetingEdition
from kaiku_training.outbox.services import deliver_due
from tests.browser.conftest import choose_language, sign_in
from tests.events.conftest import make_session
from tests.factories import PASSWORD, make_user
from tests.smtp import text_of

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000


@pytest.fixture
def open_page(browser):
    """A new browser window with its own cookies: one person each."""
    contexts = []

    def open_(locale="en-GB"):
        context = browser.new_context(locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@contextmanager
def before_the_journey(live_server):
    """Factories and the clock, in the served app's context."""
    with live_server.app.app_context():
        yield
        db.session.remove()


def new_person(name, role=Role.COORDINATOR) -> str:
    """A person with the test password; returns the email."""
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
    make_user(email, name=name, roles=[role])
    return email


def training_session(title: str, **fields) -> int:
    """A session in the future, titled `title` in every language; returns its id."""
    session = make_session(
        title={"fi": title, "sv": title, "en": title}, starts_at=utcnow() + timedelta(days=30), **fields
    )
    return session.id


def session_took_place(live_server, session_id: int) -> None:
    """Time passes: the session started two hours ago and is over."""
    with before_the_journey(live_server):
        session = db.session.get(TrainingSession, session_id)
        session.starts_at, session.ends_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(hours=1)
        db.session.commit()


def emails_to(live_server, smtp_server, email: str) -> list:
    with before_the_journey(live_server):
        deliver_due()
    return [message for message in smtp_server.messages if message["To"] == email]


def link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, f"no link in the email: {body}"
    return match.group(1)


def click(page, role: str, name, scope: str = "main"):
    """Click a link or button found by its role and name, and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(scope).get_by_role(role, name=name).click()


def confirm_on_next_page(page) -> None:
    """An irreversible step asks first on a page of its own; press its one button."""
    heading = page.locator("main h1").inner_text()
    assert re.search(r"\?|confirm|bekräfta|vahvista", heading, re.IGNORECASE), (
        f"expected a page that asks for confirmation, got {page.url}: {heading}"
    )
    click(page, "button", re.compile("."))


def cancel_own_registration(page, link_name: str) -> None:
    """Cancel a registration: follow the link, then confirm on the page that asks."""
    click(page, "link", link_name)
    confirm_on_next_page(page)


def correct_answers(check) -> dict[str, list[str]]:
    return {
        question["key"]: [option["key"] for option in question["options"] if option["correct"]]
        for question in check.questions
    }


def registration_status(live_server, session_id: int, email: str) -> str:
    with before_the_journey(live_server):
        return db.session.scalar(
            select(Registration.status).where(
                Registration.session_id == session_id,
                or_(Registration.guest_email == email, Registration.user.has(email=email)),
                Registration.status != RegistrationStatus.CANCELLED,
            )
        )


# --- C3 --------------------------------------------------------------------------------------------


def test_c3_a_course_with_a_live_session_completes_when_the_trainer_marks_attendance(open_page, live_server):
    with before_the_journey(live_server):
        coordinator = new_person("Cecilia Coordinator")
        trainer = new_person("Tuomas Trainer", Role.TRAINER)
        course = curriculum.find_course("running-a-pilot")
        assert course.requires_live_session
        session_id = training_session("Running a pilot: live session C3", course_id=course.id)
        person = find_user_by_email(coordinator)
        lessons = course.active_lessons
        for lesson in lessons[:-1]:  # read before today; the last lesson is read in the journey
            curriculum.complete_lesson(person, lesson, "en")
        for module in course.active_modules:
            curriculum.submit_check(person, module.active_check, correct_answers(module.active_check), "en")
        last_lesson_title = lessons[-1].text_in("en").title
        course_id, course_title = course.id, course.title_in("en")

    page = open_page()
    sign_in(page, live_server, coordinator, PASSWORD, "en")
    page.goto(f"{live_server.url}/courses/running-a-pilot")
    click(page, "link", re.compile(rf"^{re.escape(last_lesson_title)}$"))  # not the "Continue: ..." button
    click(page, "button", "Mark as completed")
    assert "Pending" in page.locator("main").inner_text(), "the course should now wait for the live session"

    click(page, "link", "Running a pilot: live session C3")  # the course's session, from the course page
    click(page, "button", "Register")
    assert "You are registered" in page.locator("main").inner_text()

    session_took_place(live_server, session_id)
    trainer_page = open_page()
    sign_in(trainer_page, live_server, trainer, PASSWORD, "en")
    click(trainer_page, "link", "Manage sessions", scope="header")
    click(trainer_page, "link", "Running a pilot: live session C3")
    trainer_page.get_by_label("Attendance of Cecilia Coordinator").select_option(label="Attended")
    click(trainer_page, "button", "Save attendance")
    assert "Attendance saved (1 changed)" in trainer_page.locator("main").inner_text()

    page.goto(f"{live_server.url}/courses/running-a-pilot")
    click(page, "link", "Show your certificate")
    certificate = page.locator(".certificate").inner_text()
    assert "Cecilia Coordinator" in certificate and course_title in certificate
    with before_the_journey(live_server):
        assert (
            db.session.scalar(
                select(CourseCompletion).where(
                    CourseCompletion.course_id == course_id,
                    CourseCompletion.user_id == find_user_by_email(coordinator).id,
                )
            )
            is not None
        )


# --- C5 --------------------------------------------------------------------------------------------


def test_c5_a_waiting_person_is_promoted_when_someone_cancels(open_page, live_server, smtp_server):
    with before_the_journey(live_server):
        waiting = new_person("Wilma Waiting")
        holder = new_person("Hannu Holder")
        session_id = training_session("Full session C5", capacity=1)
        register_person(db.session.get(TrainingSession, session_id), find_user_by_email(holder), "en")

    page = open_page()
    sign_in(page, live_server, waiting, PASSWORD, "en")
    page.goto(f"{live_server.url}/sessions/{session_id}")
    click(page, "button", "Join the waiting list")
    main = page.locator("main").inner_text()
    assert "waiting list in position 1" in main and "position 1 on the waiting list" in main

    holder_page = open_page()
    sign_in(holder_page, live_server, holder, PASSWORD, "en")
    holder_page.goto(f"{live_server.url}/sessions/{session_id}")
    cancel_own_registration(holder_page, "Cancel my registration")
    assert "Your registration has been cancelled." in holder_page.locator("main").inner_text()

    page.reload()
    assert "Confirmed" in page.locator("main").inner_text()
    assert registration_status(live_server, session_id, waiting) == RegistrationStatus.CONFIRMED
    [promotion] = [
        message
        for message in emails_to(live_server, smtp_server, waiting)
        if any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())
    ]
    assert "Full session C5" in promotion["Subject"] + text_of(promotion)

    cancel_own_registration(page, "Cancel my registration")
    assert "Your registration has been cancelled." in page.locator("main").inner_text()
    assert registration_status(live_server, session_id, waiting) is None


# --- G1 (in Swedish) ------------------------------------------------------------------------------


def test_g1_a_guest_registers_confirms_by_email_and_cancels_through_the_manage_link(
    open_page, live_server, smtp_server
):
    with before_the_journey(live_server):
        session_id = training_session("Öppen utbildning G1", open_to_guests=True)
    guest = f"greta-{uuid.uuid4().hex[:8]}@example.org"

    page = open_page(locale="fi-FI")
    page.goto(f"{live_server.url}/sessions/{session_id}")
    choose_language(page, "sv")
    guest_form = page.locator("form[action$='/guest']")
    guest_form.get_by_label("Namn", exact=True).fill("Greta Gäst")
    guest_form.get_by_label("E-post", exact=True).fill(guest)
    guest_form.get_by_label("Organisation", exact=True).fill("Stadsbiblioteket")
    guest_form.get_by_label("Kaikukortets område", exact=True).fill("Esimerkkiseutu")
    click(page, "button", "Anmäl dig")
    assert page.locator("main h1").inner_text() == "Kontrollera din e-post"
    assert registration_status(live_server, session_id, guest) == RegistrationStatus.UNCONFIRMED

    [confirmation] = emails_to(live_server, smtp_server, guest)
    page.goto(live_server.url + link_path(text_of(confirmation)))
    assert "Bekräftad" in page.locator("main").inner_text()
    assert registration_status(live_server, session_id, guest) == RegistrationStatus.CONFIRMED

    cancel_own_registration(page, "Annullera min anmälan")
    assert "Din anmälan har annullerats." in page.locator("main").inner_text()
    assert registration_status(live_server, session_id, guest) is None


# --- A4 --------------------------------------------------------------------------------------------


def in_language(page, label: str, language_hint: str):
    """One of the per-language fields (Title in Finnish, in Swedish, in English)."""
    return page.locator(".field", has=page.get_by_text(language_hint, exact=True)).get_by_label(label, exact=True)


def test_a4_an_admin_creates_and_builds_next_years_meeting_and_opens_it_to_guests(open_page, live_server):
    year = utcnow().year + 2  # the demo data has this year's and next year's editions
    with before_the_journey(live_server):
        admin = new_person("Aino Admin", Role.ADMIN)

    page = open_page()
    sign_in(page, live_server, admin, PASSWORD, "en")
    click(page, "link", "Manage meetings", scope="header")
    click(page, "link", "Create an edition")
    page.get_by_label("Year", exact=True).fill(str(year))
    in_language(page, "Title", "in Finnish").fill(f"Valtakunnallinen verkkotapaaminen {year}")
    in_language(page, "Title", "in English").fill(f"National online meeting {year}")
    page.get_by_label("Date", exact=True).fill(f"{year}-05-12")
    page.get_by_label("Starts (Finnish time)").fill("09:00")
    page.get_by_label("Ends (Finnish time)").fill("15:00")
    page.get_by_label("Online meeting link").fill("https://meet.example.org/annual")
    click(page, "button", "Save")
    assert "The edition is created" in page.locator("main").inner_text()

    click(page, "link", "Details")
    in_language(page, "Title", "in English").fill(f"National online meeting {year}: the card in every area")
    page.get_by_label("Seats", exact=True).fill("300")
    click(page, "button", "Save")
    assert "Saved." in page.locator("main").inner_text()

    for title_fi, title_en, track in (
        ("Työpaja: uudet myöntäjät", "Workshop: new issuers", "A"),
        ("Työpaja: viestintä", "Workshop: communications", "B"),
    ):
        in_language(page, "Title", "in Finnish").fill(title_fi)
        in_language(page, "Title", "in English").fill(title_en)
        page.get_by_label("Kind", exact=True).select_option(label="Workshop")
        page.get_by_label("Track", exact=True).fill(track)
        page.get_by_label("Date", exact=True).fill(f"{year}-05-12")
        page.get_by_label("Starts (Finnish time)").fill("10:00")
        page.get_by_label("Ends (Finnish time)").fill("11:00")
        click(page, "button", "Save")
    programme = page.get_by_role("region", name=re.compile("Programme for")).inner_text()
    assert "Workshop: new issuers" in programme and "Workshop: communications" in programme

    click(page, "link", "Questions")
    page.get_by_label("Form", exact=True).select_option(label="Registration form")
    page.get_by_label("Kind of answer").select_option(label="Single choice")
    in_language(page, "Question", "in Finnish").fill("Mihin työpajaan osallistut?")
    in_language(page, "Question", "in Swedish").fill("Vilken verkstad deltar du i?")
    in_language(page, "Question", "in English").fill("Which workshop will you attend?")
    page.get_by_label("Options").fill(
        "Uudet myöntäjät | Nya utdelare | New issuers\nViestintä | Kommunikation | Communications"
    )
    page.get_by_label("An answer is required").check()
    click(page, "button", "Save")
    assert "Which workshop will you attend?" in page.locator("main table").inner_text()

    click(page, "link", "Details")
    page.get_by_label("Open to guests too (they confirm by email)").check()
    click(page, "button", "Save")
    with before_the_journey(live_server):
        edition = db.session.scalar(select(MeetingEdition).where(MeetingEdition.year == year))
        assert edition.session.open_to_guests and edition.session.capacity == 300
        assert edition.session.title["en"] == f"National online meeting {year}: the card in every area"
        assert len(edition.items) == 2 and {item.track for item in edition.items} == {"A", "B"}

    guest_page = open_page()
    guest_page.goto(f"{live_server.url}/meetings/{year}")
    choose_language(guest_page, "en")
    registration = guest_page.get_by_role("region", name="Registration")
    assert registration.get_by_label("Name", exact=True).is_visible(), "no guest registration form"
    assert "Which workshop will you attend?" in registration.inner_text()  # the page's language


# --- T2 --------------------------------------------------------------------------------------------


def test_t2_a_trainer_marks_attendance_downloads_the_roster_and_messages_everyone(open_page, live_server, smtp_server):
    with before_the_journey(live_server):
        trainer = new_person("Tiina Trainer", Role.TRAINER)
        people = {name: new_person(name) for name in ("Anna Attended", "Bertil Absent", "Cecilia Bulk")}
        session_id = training_session("Roster session T2")
        session = db.session.get(TrainingSession, session_id)
        for email in people.values():
            register_person(session, find_user_by_email(email), "en")
    session_took_place(live_server, session_id)

    page = open_page()
    sign_in(page, live_server, trainer, PASSWORD, "en")
    click(page, "link", "Manage sessions", scope="header")
    click(page, "link", "Roster session T2")
    page.get_by_label("Attendance of Anna Attended").select_option(label="Attended")
    page.get_by_label("Attendance of Bertil Absent").select_option(label="Did not attend")
    click(page, "button", "Save attendance")
    assert "Attendance saved (2 changed)" in page.locator("main").inner_text()
    page.get_by_label("Select Cecilia Bulk").check()
    click(page, "button", "Mark the selected as attended")
    assert "Attendance saved (1 changed)" in page.locator("main").inner_text()
    with before_the_journey(live_server):
        marks = {
            registration.user.name: registration.attendance
            for registration in db.session.scalars(select(Registration).where(Registration.session_id == session_id))
        }
    assert marks == {
        "Anna Attended": Attendance.ATTENDED,
        "Bertil Absent": Attendance.NO_SHOW,
        "Cecilia Bulk": Attendance.ATTENDED,
    }

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the roster (CSV)").click()
    roster = download.value.path().read_text(encoding="utf-8-sig")
    header, *rows = roster.splitlines()
    assert "Name" in header and "Attendance" in header, header  # in the trainer's language
    assert any("Anna Attended" in row and "Attended" in row for row in rows), roster
    assert any("Bertil Absent" in row and "Did not attend" in row for row in rows), roster

    page.get_by_label("Subject").fill("Slides from today")
    page.get_by_label("Message", exact=True).fill("Thank you for coming. The slides are attached to the course.")
    click(page, "button", "Send the message")
    assert "The message is queued for 3 registrants." in page.locator("main").inner_text()
    for email in people.values():
        [message] = [
            message
            for message in emails_to(live_server, smtp_server, email)
            if message["Subject"].startswith("Slides from today")
        ]
        assert "Thank you for coming." in text_of(message)
        assert trainer in (message["Reply-To"] or ""), "the trainer's address should be the Reply-To"
