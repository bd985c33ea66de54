"""T2: after a session a trainer marks attendance on the roster, one by one and in bulk,
downloads the roster as CSV and messages the registrants."""

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.audit.models import AuditEvent
from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.models import Registration
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db
from kaiku_training.outbox.services import deliver_due
from tests.events.conftest import make_session
from tests.factories import make_user
from tests.journeys.conftest import set_language, sign_in

HELSINKI = ZoneInfo("Europe/Helsinki")
TITLE = {"fi": "Kortin perusteet livenä", "en": "Card basics, live"}


def _held_session_with_registrants():
    """A session three people registered for (one on the waiting list), which started an hour ago."""
    session = make_session(capacity=2, starts_at=utcnow() + timedelta(days=2), title=TITLE)
    people = [make_user(f"{name.lower()}@example.org", name=name) for name in ("Aino", "Eero", "Olli")]
    for person in people:
        register_person(session, person, "fi")
    session.starts_at, session.ends_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1)
    db.session.commit()
    return session, people


def _trainer(browser):
    make_user("trainer@example.org", name="Tiina Kouluttaja", roles=[Role.TRAINER])
    sign_in(browser, "trainer@example.org")
    set_language(browser, "en")


def _registration(session, person) -> Registration:
    db.session.expire_all()
    return db.session.scalar(
        select(Registration).where(Registration.session_id == session.id, Registration.user_id == person.id)
    )


def test_t2_mark_attendance_download_the_roster_and_message_registrants(browser, smtp_server):
    session, (aino, eero, olli) = _held_session_with_registrants()
    deliver_due()  # their confirmations
    smtp_server.messages.clear()
    _trainer(browser)
    roster = browser.get("/manage/sessions/").follow("Card basics, live")
    assert "Aino" in roster.text and "On the waiting list (1)" in roster.text

    first, second = _registration(session, aino), _registration(session, eero)
    page = roster.form(button="Save attendance").fill(**{f"attendance-{first.id}": "attended"}).submit()
    assert "Attendance saved (1 changed)" in page.text
    assert _registration(session, aino).attendance == "attended"

    form = page.form(button="Mark the selected as not attended").check("selected", "Select Eero")
    page = form.submit()
    assert "Attendance saved (1 changed)" in page.text
    assert _registration(session, eero).attendance == "no_show"
    page = (
        page.form(button="Mark the selected as attended")
        .check("selected", "Select Aino")
        .check("selected", "Select Eero")
        .submit()
    )
    assert "Attendance saved (1 changed)" in page.text
    assert (_registration(session, aino).attendance, _registration(session, eero).attendance) == (
        "attended",
        "attended",
    )

    download = browser.get(page.link("Download the roster (CSV)"))
    rows = list(csv.DictReader(io.StringIO(download.response.data.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == [
        "Name",
        "Email",
        "Organisation",
        "Area",
        "Status",
        "Waiting position",
        "Registered",
        "Attendance",
        "Joined",
    ]
    assert [(row["Name"], row["Status"], row["Attendance"]) for row in rows] == [
        ("Aino", "Confirmed", "Attended"),
        ("Eero", "Confirmed", "Attended"),
        ("Olli", "On the waiting list", ""),
    ]
    registered = second.created_at.astimezone(HELSINKI).strftime("%Y-%m-%d %H:%M")
    assert rows[1]["Registered"] == registered

    logged = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == session.id)).all()
    assert logged.count("attendance.marked") == 3 and "roster.exported" in logged

    form = page.form(button="Send the message").fill(
        subject="Slides", body="The slides are attached to the course page."
    )
    page = form.submit()
    assert "The message is queued for 3 registrants" in page.text
    deliver_due()
    assert sorted(message["To"] for message in smtp_server.messages) == [
        "aino@example.org",
        "eero@example.org",
        "olli@example.org",
    ]
    assert all("Slides" in message["Subject"] for message in smtp_server.messages)


def _flashed(page) -> str:
    messages = page.soup.select_one(".messages")
    return messages.get_text(" ", strip=True) if messages else ""


def test_t2_attendance_cannot_be_marked_before_the_session_starts(browser):
    session = make_session(starts_at=utcnow() + timedelta(days=2))
    registration = register_person(session, make_user(name="Aino"), "fi")
    _trainer(browser)
    roster = browser.get(f"/manage/sessions/{session.id}")
    page = roster.form(button="Save attendance").fill(**{f"attendance-{registration.id}": "attended"}).submit()
    assert "Attendance can be marked once the session has started" in _flashed(page)
    assert _registration(session, registration.user).attendance is None
    page = page.form(button="Mark the selected as attended").check("selected", "Select Aino").submit()
    assert "Attendance can be marked once the session has started" in _flashed(page)
    assert _registration(session, registration.user).attendance is None
