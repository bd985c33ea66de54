"""An admin erases a guest (who has no account) by email address, through the pages: asked
first, then done; the database holds the guest's address and what they typed nowhere, the audit
log records it without the address, and the figures of past sessions stay."""

from datetime import timedelta

from sqlalchemy import select

from kaiku_training.audit.models import AuditEvent
from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.attendance import roster, set_attendance
from kaiku_training.events.models import Attendance, Registration, RegistrationStatus
from kaiku_training.events.registrations import confirm_guest, register_guest
from kaiku_training.extensions import db
from kaiku_training.meetings import services as meetings
from tests.events.conftest import make_session
from tests.factories import make_admin
from tests.journeys.conftest import app_settings, browser, set_language, sign_in  # noqa: F401  (fixtures)
from tests.security.test_erasure import rows_holding

GUEST = ("guest@example.org", "Gustav Gästsson", "Gästbiblioteket", "Tarvitsen induktiosilmukan")  # the area stays


def _guest_history():
    """The guest attended a past session, waits for an upcoming one, answered a meeting's free-text
    question; another guest registered too."""
    past, upcoming = (
        make_session(open_to_guests=True, starts_at=utcnow() + timedelta(days=days), capacity=1) for days in (2, 9)
    )
    starts_at = utcnow() + timedelta(days=40)
    edition = meetings.create_edition(
        starts_at.year,
        {
            "title": {"fi": "Verkkotapaaminen", "en": "Online meeting"},
            "description": {},
            "open_to_guests": True,
            "meeting_url": "https://meet.example.org/annual",
            "joining_instructions": {},
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=6),
        },
    )
    email, name, organisation, need = GUEST
    guest = {"name": name, "email": email, "organisation": organisation, "area": "Gästområdet"}
    for session in (past, upcoming):
        confirm_guest(register_guest(session, **guest, locale="sv"))
    confirm_guest(meetings.register_guest(edition, guest, "sv", {"accessibility": need}))
    confirm_guest(
        register_guest(upcoming, name="Other Guest", email="other@example.org", organisation="", area="", locale="fi")
    )
    past.starts_at, past.ends_at = utcnow() - timedelta(days=2), utcnow() - timedelta(days=2) + timedelta(hours=2)
    set_attendance(past, {row.registration.id: Attendance.ATTENDED for row in roster(past)})
    return past, upcoming


def test_admin_erases_a_guest_by_email_address(browser, smtp_server):  # noqa: F811
    past, upcoming = _guest_history()
    make_admin(email="admin@example.org", name="Ada Admin")
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")
    assert rows_holding(*GUEST)

    page = browser.get("/manage/people").follow("Erase a guest's data")
    page = page.form(button="Find the registrations").fill(email="nobody@example.org").submit()
    assert page.errors() == ["No registration made as a guest has this address."]
    page = page.form(button="Find the registrations").fill(email=" Guest@Example.org ").submit()
    assert page.errors() == [], page.errors()
    assert "Erase the data of the guest guest@example.org?" in page.text and "cannot be undone" in page.text
    assert page.text.count("Gustav Gästsson") == 3  # each registration, as the guest gave it
    assert rows_holding(*GUEST)  # nothing is erased before the admin confirms
    page = page.form(button="Erase the guest's data").submit()
    assert "The guest's data has been erased from 3 registrations; the figures are kept." in page.text

    db.session.expire_all()
    left = rows_holding(*GUEST)
    assert left == [], "\n".join(map(repr, left))
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "guest.erased"))
    assert event.details == {"registrations": 3} and event.actor.email == "admin@example.org"
    past_registration = db.session.scalar(select(Registration).where(Registration.session_id == past.id))
    assert past_registration.attendance == Attendance.ATTENDED  # the figures of what was held stay
    statuses = dict(
        db.session.execute(
            select(Registration.guest_name, Registration.status).where(Registration.session_id == upcoming.id)
        ).all()
    )
    assert statuses == {None: RegistrationStatus.CANCELLED, "Other Guest": RegistrationStatus.CONFIRMED}  # moved up
    assert rows_holding("other@example.org")  # the other guest keeps their registration
