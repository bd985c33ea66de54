"""G1: a guest registers for a session open to guests, confirms by email, cancels with the manage
link, asks for a lost confirmation again; an unconfirmed registration lapses with its link."""

from datetime import timedelta

from sqlalchemy import select

from kaiku_training.events.links import GUEST_CONFIRMATION_HOURS
from kaiku_training.events.models import Registration, RegistrationStatus
from kaiku_training.extensions import db
from kaiku_training.outbox.services import deliver_due
from tests.conftest import link_in
from tests.events.conftest import ics_attachment, make_session
from tests.journeys.conftest import set_language
from tests.smtp import text_of

GUEST = {"name": "Vieras Henkilö", "email": "guest@example.org", "organisation": "Kirjasto", "area": "Esimerkkilä"}


def _register_as_guest(browser, session, **values):
    page = browser.get(f"/sessions/{session.id}")
    return page.form(f"/sessions/{session.id}/guest").fill(**{**GUEST, **values}).submit()


def _guest_registrations():
    db.session.expire_all()
    return db.session.scalars(select(Registration).order_by(Registration.id)).all()


def _emails_to(smtp_server, recipient):
    deliver_due()
    return [message for message in smtp_server.messages if message["To"] == recipient]


def test_g1_guest_registers_confirms_and_cancels_with_the_manage_link(browser, smtp_server):
    session = make_session(capacity=5, open_to_guests=True)
    set_language(browser, "en")
    page = _register_as_guest(browser, session)
    assert "We have sent a confirmation link to guest@example.org" in page.text
    [registration] = _guest_registrations()
    assert registration.status == RegistrationStatus.UNCONFIRMED

    [confirm_email] = _emails_to(smtp_server, "guest@example.org")
    page = browser.get(link_in(text_of(confirm_email)))
    assert "Confirmed" in page.text
    [registration] = _guest_registrations()
    assert registration.status == RegistrationStatus.CONFIRMED and registration.session.confirmed_count == 1
    confirmed_email = _emails_to(smtp_server, "guest@example.org")[-1]
    assert ics_attachment(confirmed_email)[0] == "REQUEST"

    manage_link = [line for line in text_of(confirmed_email).split() if "/registrations/" in line][0]
    page = browser.get(manage_link).follow("Cancel my registration")
    assert "Cancel your registration?" in page.text
    page = page.form(button="Yes, cancel").submit()
    assert "Your registration has been cancelled." in page.text
    [registration] = _guest_registrations()
    assert registration.status == RegistrationStatus.CANCELLED and registration.session.confirmed_count == 0


def test_g1_guest_asks_for_the_lost_confirmation_again(browser, smtp_server):
    session = make_session(open_to_guests=True)
    set_language(browser, "en")
    _register_as_guest(browser, session)
    assert len(_emails_to(smtp_server, "guest@example.org")) == 1

    page = browser.get(f"/sessions/{session.id}").form(f"/sessions/{session.id}/resend-confirmation")
    page = page.fill(**{"resend-email": "Guest@Example.org"}).submit()
    answer = "If this address has a registration waiting for confirmation, we have sent the link again"
    assert answer in page.text
    [_, again] = _emails_to(smtp_server, "guest@example.org")
    assert "Confirmed" in browser.get(link_in(text_of(again))).text

    page = browser.get(f"/sessions/{session.id}").form(f"/sessions/{session.id}/resend-confirmation")
    page = page.fill(**{"resend-email": "nobody@example.org"}).submit()
    assert answer in page.text  # the same answer: nothing tells who has registered
    assert _emails_to(smtp_server, "nobody@example.org") == []


def _time_passes_for(*registrations):
    """The confirmation links of these registrations were sent longer ago than they are valid."""
    for registration in registrations:
        registration.created_at -= timedelta(hours=GUEST_CONFIRMATION_HOURS + 1)
        registration.confirmation_sent_at -= timedelta(hours=GUEST_CONFIRMATION_HOURS + 1)
    db.session.commit()


def test_g1_an_unconfirmed_registration_lapses_with_its_link(browser, smtp_server, runner):
    session = make_session(open_to_guests=True)
    set_language(browser, "en")
    _register_as_guest(browser, session)
    [confirm_email] = _emails_to(smtp_server, "guest@example.org")
    _time_passes_for(*_guest_registrations())  # two days without a click

    page = _register_as_guest(browser, session)  # the lapsed one no longer blocks the address
    assert "We have sent a confirmation link to guest@example.org" in page.text
    lapsed, fresh = _guest_registrations()
    assert lapsed.status == RegistrationStatus.CANCELLED and fresh.status == RegistrationStatus.UNCONFIRMED

    old_link = link_in(text_of(confirm_email))
    page = browser.get(old_link, expect_status=410)
    assert "This confirmation link has expired" in page.text
    assert _guest_registrations()[0].status == RegistrationStatus.CANCELLED

    _time_passes_for(fresh)
    assert "1 unconfirmed registration(s) lapsed." in runner.invoke(args=["reminders", "lapse-unconfirmed"]).output
    assert _guest_registrations()[1].status == RegistrationStatus.CANCELLED
