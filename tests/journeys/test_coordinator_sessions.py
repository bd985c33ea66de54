"""C5: a coordinator waits for a full session, is promoted and cancels; A3 (part): deactivating a
person passes their seat to the first on the waiting list; late seats are offered."""

from datetime import timedelta

from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.models import Registration, RegistrationStatus
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db
from kaiku_training.outbox.services import deliver_due
from tests.conftest import link_in
from tests.events.conftest import ics_attachment, make_session
from tests.factories import make_user
from tests.journeys.conftest import set_language, sign_in
from tests.smtp import text_of


def _registration(person, session) -> Registration:
    db.session.expire_all()
    return db.session.scalar(
        select(Registration)
        .where(Registration.user_id == person.id, Registration.session_id == session.id)
        .order_by(Registration.id.desc())
    )


def _cancel_through_pages(browser, session_id):
    """From the session page: the cancel link, then the confirmation page's button."""
    page = browser.get(f"/sessions/{session_id}").follow("Cancel my registration")
    assert "Cancel your registration?" in page.text
    return page.form(button="Yes, cancel").submit()


def test_c5_waits_at_a_visible_position_is_promoted_and_cancels(browser, new_browser, smtp_server):
    session = make_session(capacity=1)
    olli = make_user("olli@example.org", name="Olli Osallistuja", locale="en")
    register_person(session, olli, "en")  # the one seat was taken before
    aino = make_user("aino@example.org", name="Aino Koordinaattori", locale="en")

    sign_in(browser, "aino@example.org")
    set_language(browser, "en")
    page = browser.get(f"/sessions/{session.id}")
    page = page.form(f"/sessions/{session.id}/register", button="Join the waiting list").submit()
    assert "you are on the waiting list in position 1" in page.text
    assert "position 1 on the waiting list" in page.text
    assert _registration(aino, session).status == RegistrationStatus.WAITING
    dashboard = browser.get("/")
    assert dashboard.soup.find("a", href=f"/sessions/{session.id}") is not None
    assert "position 1 on the waiting list" in dashboard.text

    olli_browser = new_browser()
    sign_in(olli_browser, "olli@example.org")
    set_language(olli_browser, "en")
    page = _cancel_through_pages(olli_browser, session.id)
    assert "Your registration has been cancelled." in page.text
    assert _registration(olli, session).status == RegistrationStatus.CANCELLED
    assert _registration(aino, session).status == RegistrationStatus.CONFIRMED

    deliver_due()
    [promoted] = [
        message
        for message in smtp_server.messages
        if message["To"] == "aino@example.org" and "A place became free" in message["Subject"]
    ]
    method, data = ics_attachment(promoted)
    assert method == "REQUEST" and session.uid in data.decode()
    assert "Confirmed" in browser.get(f"/sessions/{session.id}").text

    page = _cancel_through_pages(browser, session.id)
    assert "Your registration has been cancelled." in page.text
    assert _registration(aino, session).status == RegistrationStatus.CANCELLED
    db.session.refresh(session)
    assert session.confirmed_count == 0


def test_a3_deactivating_a_person_passes_their_seat_on(browser, smtp_server):
    session = make_session(capacity=1)
    leaving = make_user("leaving@example.org", name="Lauri Lähtijä")
    waiting = make_user("waiting@example.org", name="Veera Vuorossa", locale="en")
    register_person(session, leaving, "fi")
    register_person(session, waiting, "en")
    other = make_session(capacity=1)
    register_person(other, make_user("full@example.org"), "fi")
    register_person(other, leaving, "fi")  # also waiting elsewhere
    make_user("admin@example.org", name="Aino Admin", roles=[Role.ADMIN])

    sign_in(browser, "admin@example.org")
    set_language(browser, "en")
    page = browser.get(f"/manage/people/{leaving.id}").form(button="Deactivate").submit()
    assert "has been deactivated" in page.text

    assert _registration(leaving, session).status == RegistrationStatus.CANCELLED
    assert _registration(leaving, other).status == RegistrationStatus.CANCELLED
    assert _registration(waiting, session).status == RegistrationStatus.CONFIRMED
    db.session.refresh(session)
    assert session.confirmed_count == 1
    deliver_due()
    assert any(
        "A place became free" in message["Subject"]
        for message in smtp_server.messages
        if message["To"] == "waiting@example.org"
    )


def test_c5_a_late_seat_is_offered_and_the_first_to_accept_gets_it(browser, new_browser, smtp_server):
    """Inside the promotion cutoff a freed seat is offered to the first people waiting; a newcomer
    joins the end of the list instead of taking it."""
    session = make_session(capacity=1, starts_at=utcnow() + timedelta(hours=1))
    holder = make_user("holder@example.org")
    first = make_user("first@example.org", name="Eka Odottaja", locale="en")
    second = make_user("second@example.org", name="Toka Odottaja", locale="en")
    for person in (holder, first, second):
        register_person(session, person, "en")
    make_user("late@example.org", name="Myöhäinen", locale="en")

    holder_browser = new_browser()
    sign_in(holder_browser, "holder@example.org")
    set_language(holder_browser, "en")
    _cancel_through_pages(holder_browser, session.id)
    assert _registration(first, session).status == RegistrationStatus.WAITING  # offered, not promoted

    newcomer = new_browser()
    sign_in(newcomer, "late@example.org")
    set_language(newcomer, "en")
    page = newcomer.get(f"/sessions/{session.id}").form(f"/sessions/{session.id}/register").submit()
    assert "position 3" in page.text  # behind the two who were offered the seat

    deliver_due()
    offers = {message["To"]: message for message in smtp_server.messages if "A seat is free" in message["Subject"]}
    assert set(offers) == {"first@example.org", "second@example.org"}

    sign_in(browser, "second@example.org")
    set_language(browser, "en")
    assert "A seat is on offer to you" in browser.get(f"/sessions/{session.id}").text
    offer = browser.get(link_in(text_of(offers["second@example.org"])))
    assert "A seat is free" in offer.text
    page = offer.form(button="Take the seat").submit()
    assert "The seat is yours" in page.text
    assert _registration(second, session).status == RegistrationStatus.CONFIRMED

    late = new_browser()
    set_language(late, "en")
    page = late.get(link_in(text_of(offers["first@example.org"])))
    assert "Someone else took the seat first" in page.text
    assert not page.soup.find("button", string=lambda text: text and "Take the seat" in text)
    assert _registration(first, session).status == RegistrationStatus.WAITING
