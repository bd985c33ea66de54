"""Registering: one click, capacity, the waiting list, promotion, guests, refusals."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.models import Registration, RegistrationStatus
from kaiku_training.events.registrations import (
    accept_offer,
    cancel_registration,
    offer_state,
    register_person,
    registrations_of,
    waiting_position,
)
from kaiku_training.events.services import CapacityRefused, update_session
from kaiku_training.extensions import db
from kaiku_training.outbox.services import deliver_due
from tests.calendars import parse_both
from tests.conftest import link_in
from tests.events.conftest import ics_attachment, make_session
from tests.factories import make_area, make_user
from tests.smtp import text_of


def _people(count):
    return [make_user(f"person{number}@example.org", name=f"Person {number}") for number in range(count)]


def test_one_click_registration_confirms_and_emails_an_invitation(client, auth, app, smtp_server):
    session = make_session()
    person = make_user("aino@example.org", name="Aino Virtanen", locale="sv")
    auth.sign_in("aino@example.org")
    response = client.post(f"/sessions/{session.id}/register", follow_redirects=True)
    assert "Bekräftad" in response.get_data(as_text=True) or "Confirmed" in response.get_data(as_text=True)
    registration = db.session.scalar(select(Registration))
    assert registration.status == RegistrationStatus.CONFIRMED and registration.user_id == person.id
    deliver_due()
    [email] = smtp_server.messages
    assert "Utbildning" in email["Subject"]
    method, data = ics_attachment(email)
    assert method == "REQUEST"
    [event] = parse_both(data)
    assert event["uid"] == session.uid and event["start"] == session.starts_at
    assert "mailto:aino@example.org" in event["attendees"][0]
    assert "meet.example.org" not in data.decode()  # the meeting link itself is never sent
    assert "/join/" in event["location"]


def test_the_21st_goes_on_the_waiting_list_and_a_cancellation_promotes_them(app, smtp_server):
    session = make_session(capacity=20)
    people = _people(22)
    registrations = [register_person(session, person, "fi") for person in people]
    assert [r.status for r in registrations].count(RegistrationStatus.CONFIRMED) == 20
    assert [waiting_position(r) for r in registrations[20:]] == [1, 2]
    deliver_due()
    smtp_server.messages.clear()

    cancel_registration(registrations[3])
    db.session.refresh(registrations[20])
    db.session.refresh(registrations[21])
    assert registrations[20].status == RegistrationStatus.CONFIRMED
    assert waiting_position(registrations[21]) == 1
    db.session.refresh(session)
    assert session.confirmed_count == 20
    deliver_due()
    by_recipient = {message["To"]: message for message in smtp_server.messages}
    assert ics_attachment(by_recipient["person3@example.org"])[0] == "CANCEL"
    method, data = ics_attachment(by_recipient["person20@example.org"])
    assert method == "REQUEST" and parse_both(data)[0]["uid"] == session.uid


def test_a_capacity_increase_promotes_at_once(client, auth, app, trainer):
    session = make_session(capacity=1)
    first, second, third = (register_person(session, person, "fi") for person in _people(3))
    from tests.events.test_scheduling import FORM

    auth.sign_in("trainer@example.org")
    client.post(
        f"/manage/sessions/{session.id}/edit",
        data={
            **FORM,
            "day": "2027-02-10",
            "start_time": "10:00",
            "end_time": "12:00",
            "capacity": 2,
            "version": session.version,
        },
    )
    db.session.refresh(second)
    db.session.refresh(third)
    assert second.status == RegistrationStatus.CONFIRMED and third.status == RegistrationStatus.WAITING


def test_no_promotion_close_to_the_start(app):
    session = make_session(capacity=1, starts_at=utcnow() + timedelta(hours=1))
    first, second = (register_person(session, person, "fi") for person in _people(2))
    cancel_registration(first)
    db.session.refresh(second)
    assert second.status == RegistrationStatus.WAITING


def test_refusals_are_polite_and_change_nothing(client, auth, app):
    session = make_session()
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    client.post(f"/sessions/{session.id}/register")
    page = client.post(f"/sessions/{session.id}/register", follow_redirects=True).get_data(as_text=True)
    assert "You are already registered for this session." in page
    assert db.session.query(Registration).count() == 1

    closed = make_session(registration_closes_at=utcnow() - timedelta(minutes=1))
    page = client.post(f"/sessions/{closed.id}/register", follow_redirects=True).get_data(as_text=True)
    assert "Registration for this session has closed." in page
    later = make_session(registration_opens_at=utcnow() + timedelta(days=1))
    page = client.post(f"/sessions/{later.id}/register", follow_redirects=True).get_data(as_text=True)
    assert "Registration has not opened yet." in page
    assert db.session.query(Registration).count() == 1


def test_sessions_for_other_areas_are_refused(client, auth, app):
    north, south = make_area("Pohjoinen"), make_area("Etelä")
    session = make_session(audience_area_ids=[north.id])
    make_user("aino@example.org", area=south)
    auth.sign_in("aino@example.org")
    assert client.get(f"/sessions/{session.id}").status_code == 403
    assert client.post(f"/sessions/{session.id}/register").status_code == 403
    assert session.title["fi"] not in client.get("/sessions/").get_data(as_text=True)


def test_guest_registers_confirms_by_email_and_cancels_with_the_manage_link(client, app, smtp_server):
    session = make_session(capacity=1, open_to_guests=True)
    client.set_cookie("kaiku_lang", "en")
    page = client.post(
        f"/sessions/{session.id}/guest",
        data={
            "name": "Vieras Henkilö",
            "email": "Guest@Example.org",
            "organisation": "Kirjasto",
            "area": "Esimerkkilä",
        },
    )
    assert "We have sent a confirmation link to" in page.get_data(as_text=True)
    registration = db.session.scalar(select(Registration))
    assert registration.status == RegistrationStatus.UNCONFIRMED and registration.guest_email == "guest@example.org"
    db.session.refresh(session)
    assert session.confirmed_count == 0  # no seat until confirmed

    deliver_due()
    confirm_link = link_in(text_of(smtp_server.messages[0]))
    manage_page = client.get(confirm_link, follow_redirects=True).get_data(as_text=True)
    assert "Confirmed" in manage_page
    client.get(confirm_link)  # a second click changes nothing
    db.session.refresh(session)
    assert session.confirmed_count == 1
    deliver_due()
    confirmation = smtp_server.messages[1]
    assert ics_attachment(confirmation)[0] == "REQUEST"
    manage_link = re_manage_link(text_of(confirmation))
    client.post(manage_link + "/cancel")
    db.session.refresh(registration)
    assert registration.status == RegistrationStatus.CANCELLED


def re_manage_link(body: str) -> str:
    import re

    return re.search(r"http://127\.0\.0\.1:5000(/registrations/\S+)", body).group(1)


def test_guest_form_errors_and_duplicate_email(client, app):
    session = make_session(open_to_guests=True)
    client.set_cookie("kaiku_lang", "en")
    page = client.post(f"/sessions/{session.id}/guest", data={"name": "", "email": "nope"}).get_data(as_text=True)
    assert 'id="name-error"' in page and 'id="email-error"' in page
    client.post(f"/sessions/{session.id}/guest", data={"name": "A", "email": "a@example.org"})
    page = client.post(f"/sessions/{session.id}/guest", data={"name": "A", "email": "a@example.org"}).get_data(
        as_text=True
    )
    assert "already registered" in page
    assert db.session.query(Registration).count() == 1


def test_guests_cannot_register_for_closed_audience_sessions(client, app):
    session = make_session()
    assert client.get(f"/sessions/{session.id}").status_code == 302  # to sign in
    assert client.post(f"/sessions/{session.id}/guest", data={"name": "A", "email": "a@example.org"}).status_code == 302
    assert db.session.query(Registration).count() == 0


def test_demo_sessions_load_once(app, runner):
    assert "3 live sessions" in runner.invoke(args=["demo", "load"]).output
    assert "0 live sessions" in runner.invoke(args=["demo", "load"]).output
    from kaiku_training.accounts.services import find_user_by_email

    assert len(registrations_of(find_user_by_email("coordinator@example.org"))) == 3


def test_a_capacity_below_the_confirmed_count_is_refused_on_the_session_and_edition_forms(client, auth, app):
    from kaiku_training.meetings.services import create_edition
    from tests.events.conftest import FUTURE
    from tests.web import Browser

    session = make_session(capacity=3)
    edition = create_edition(
        2027,
        {
            "title": {"fi": "Tapaaminen"},
            "description": {},
            "starts_at": FUTURE,
            "ends_at": FUTURE + timedelta(hours=6),
            "meeting_url": "https://meet.example.org/m",
            "capacity": 3,
        },
    )
    for person in _people(2):
        register_person(session, person, "fi")
        register_person(edition.session, person, "fi")
    make_user("admin@example.org", roles=[Role.ADMIN])
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    browser = Browser(client)
    refusal = "2 people are already confirmed; cancel registrations first or keep at least that many seats."

    page = browser.get(f"/manage/sessions/{session.id}/edit").form(button="Save").fill(capacity="1").submit()
    assert refusal in " ".join(page.errors()) and page.soup.find(id="capacity-error")
    page = browser.get("/manage/meetings/2027/edit").form(button="Save").fill(capacity="1").submit()
    assert refusal in " ".join(page.errors()) and page.soup.find(id="capacity-error")
    db.session.expire_all()
    assert session.capacity == 3 and edition.session.capacity == 3

    with pytest.raises(CapacityRefused):  # the service itself refuses, whoever calls it
        update_session(session, {"capacity": 1}, [], session.version)
    assert db.session.get(type(session), session.id).capacity == 3
    browser.get("/manage/meetings/2027/edit").form(button="Save").fill(capacity="2").submit()
    db.session.expire_all()
    assert edition.session.capacity == 2


def test_an_edition_without_a_seat_limit_has_no_capacity_and_still_refuses_one_below_the_confirmed(client, auth, app):
    """No limit is no capacity at all (not a large number): everyone gets a seat, the forms show
    no number, and a limit set later may not drop below those confirmed, on the edition's form too."""
    from kaiku_training.meetings.services import create_edition
    from tests.events.conftest import FUTURE
    from tests.web import Browser

    edition = create_edition(
        2027,
        {
            "title": {"fi": "Tapaaminen", "en": "Meeting"},
            "description": {},
            "starts_at": FUTURE,
            "ends_at": FUTURE + timedelta(hours=6),
            "meeting_url": "https://meet.example.org/m",
        },
    )
    session = edition.session
    assert session.capacity is None and session.seats_left is None
    registrations = [register_person(session, person, "fi") for person in _people(3)]
    assert {registration.status for registration in registrations} == {RegistrationStatus.CONFIRMED}
    make_user("admin@example.org", roles=[Role.ADMIN])
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    browser = Browser(client)

    form = browser.get("/manage/meetings/2027/edit").form(button="Save")
    page = form.fill(capacity="2").submit()
    assert "3 people are already confirmed" in " ".join(page.errors()) and page.soup.find(id="capacity-error")
    db.session.expire_all()
    assert session.capacity is None
    browser.get("/manage/meetings/2027/edit").form(button="Save").fill(capacity="").submit()
    db.session.expire_all()
    assert session.capacity is None
    roster = browser.get(f"/manage/sessions/{session.id}").soup.get_text(" ", strip=True)
    assert "Confirmed registrations: 3" in roster and "100000" not in roster


def test_while_anyone_waits_a_free_seat_is_not_taken_by_a_newcomer(app):
    """Inside the promotion cutoff the seat is offered to those waiting, so it stays free for them."""
    session = make_session(capacity=1, starts_at=utcnow() + timedelta(hours=1))
    holder, waiting, newcomer = _people(3)
    first = register_person(session, holder, "fi")
    queued = register_person(session, waiting, "fi")
    cancel_registration(first)
    late = register_person(session, newcomer, "fi")
    assert late.status == RegistrationStatus.WAITING and waiting_position(late) == 2
    assert offer_state(queued) == "open" and offer_state(late) is None
    assert accept_offer(queued).status == RegistrationStatus.CONFIRMED
