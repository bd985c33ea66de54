"""Using the site to send email to someone else: password resets and guest confirmation links
go to an address at most a few times an hour, however many IP addresses ask, and the answer
stays the same; a guest's free-text name carries no link into any email."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kaiku_training.events.models import Registration
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage
from kaiku_training.outbox.services import deliver_due
from tests.conftest import link_in
from tests.events.conftest import make_session
from tests.factories import make_user
from tests.journeys.conftest import app_settings  # noqa: F401 (CSRF on)
from tests.meetings.factories import make_meeting
from tests.smtp import text_of
from tests.web import Browser

VICTIM = "victim@example.org"


@pytest.fixture
def browser_at(app):
    """A browser of its own at the given IP address, in English."""

    def open_browser(ip: str) -> Browser:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ip
        client.set_cookie("kaiku_lang", "en")
        return Browser(client)

    return open_browser


def _ip(number: int) -> str:
    return f"198.51.100.{number % 3 + 1}"  # three addresses, taking turns


def _emails_to(smtp_server, address: str) -> list:
    deliver_due()
    return [message for message in smtp_server.messages if message["To"] == address]


def _an_hour_passes() -> None:
    for message in db.session.scalars(select(OutboxMessage)):
        message.created_at -= timedelta(hours=1)
    db.session.commit()


def _ask_for_a_reset(browser: Browser, email: str) -> str:
    page = browser.get("/password/forgot").form("/password/forgot").fill(email=email).submit()
    return page.text


def test_password_resets_to_one_address_stop_at_the_hourly_limit_from_any_number_of_ips(app, browser_at, smtp_server):
    make_user(VICTIM, name="Aino", locale="en")
    answers = {_ask_for_a_reset(browser_at(_ip(number)), VICTIM) for number in range(9)}
    answers.add(_ask_for_a_reset(browser_at(_ip(0)), "nobody@example.org"))
    [answer] = answers  # over the limit and for an unknown address alike: nothing tells them apart
    assert "If an account uses that address, we have sent it a link" in answer
    assert len(_emails_to(smtp_server, VICTIM)) == 3
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 3  # nothing else was queued
    limit = app.config["REQUESTED_EMAILS_PER_ADDRESS_PER_HOUR"]
    assert limit == 3

    _an_hour_passes()
    _ask_for_a_reset(browser_at(_ip(1)), VICTIM)
    [*_, latest] = _emails_to(smtp_server, VICTIM)
    assert len(_emails_to(smtp_server, VICTIM)) == limit + 1
    assert "/password/reset/" in link_in(text_of(latest))


def _register_as_guest_for_session(browser: Browser, session, email: str, name="Vieras") -> str:
    page = browser.get(f"/sessions/{session.id}")
    return page.form(f"/sessions/{session.id}/guest").fill(name=name, email=email).submit().text


def _ask_again_for_session(browser: Browser, session, email: str) -> str:
    page = browser.get(f"/sessions/{session.id}")
    return page.form(f"/sessions/{session.id}/resend-confirmation").fill(**{"resend-email": email}).submit().text


def _register_as_guest_for_meeting(browser: Browser, keys, email: str, name="Vieras") -> str:
    form = browser.get("/meetings/2027").form("/meetings/2027/guest").fill(name=name, email=email)
    return form.check(f"q-{keys['diet']}", "Anything").submit().text


def test_guest_confirmations_to_one_address_stop_at_the_hourly_limit_for_sessions_and_the_meeting(
    app, browser_at, smtp_server
):
    sessions = [make_session(open_to_guests=True) for _ in range(4)]
    _edition, _items, keys = make_meeting()
    for number, session in enumerate(sessions[:3]):
        assert f"We have sent a confirmation link to {VICTIM}" in _register_as_guest_for_session(
            browser_at(_ip(number)), session, VICTIM
        )
    assert len(_emails_to(smtp_server, VICTIM)) == 3

    # Over the limit every page answers as before, and nothing more reaches the address.
    assert f"We have sent a confirmation link to {VICTIM}" in _register_as_guest_for_session(
        browser_at(_ip(3)), sessions[3], VICTIM
    )
    assert "we have sent the link again" in _ask_again_for_session(browser_at(_ip(4)), sessions[0], VICTIM)
    assert "Check your email" in _register_as_guest_for_meeting(browser_at(_ip(5)), keys, VICTIM)
    assert len(_emails_to(smtp_server, VICTIM)) == 3
    assert len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == VICTIM)).all()) == 3
    # Someone else still gets theirs.
    _register_as_guest_for_session(browser_at(_ip(6)), sessions[3], "someone@example.org")
    assert len(_emails_to(smtp_server, "someone@example.org")) == 1

    # An hour later the guest who was over the limit asks again and confirms.
    _an_hour_passes()
    _ask_again_for_session(browser_at(_ip(7)), sessions[3], VICTIM)
    [*_, again] = _emails_to(smtp_server, VICTIM)
    assert "Confirmed" in browser_at(_ip(7)).get(link_in(text_of(again))).text


@pytest.mark.parametrize("where", ["session", "meeting"])
@pytest.mark.parametrize(
    "name",
    [
        "Win a prize at http://evil.example",
        "Visit www.evil.example",
        "Prize at evil.example/claim",
        '=HYPERLINK("https://evil.example")',
    ],
)
def test_a_guest_name_carrying_a_link_is_refused_next_to_the_field_and_nothing_is_sent(
    where, name, browser_at, smtp_server
):
    browser = browser_at(_ip(0))
    if where == "session":
        page = _register_as_guest_for_session(browser, make_session(open_to_guests=True), VICTIM, name=name)
    else:
        page = _register_as_guest_for_meeting(browser, make_meeting()[2], VICTIM, name=name)
    assert "Write this without a web address." in page
    assert db.session.scalars(select(Registration).where(Registration.guest_email == VICTIM)).all() == []
    assert _emails_to(smtp_server, VICTIM) == []


@pytest.mark.parametrize("where", ["session", "meeting"])
def test_the_confirmation_email_greets_without_the_name_a_stranger_may_have_typed(where, browser_at, smtp_server):
    browser = browser_at(_ip(0))
    if where == "session":
        _register_as_guest_for_session(browser, make_session(open_to_guests=True), VICTIM, name="You owe us 500 euros")
    else:
        _register_as_guest_for_meeting(browser, make_meeting()[2], VICTIM, name="You owe us 500 euros")
    [email] = _emails_to(smtp_server, VICTIM)
    body = text_of(email)
    assert "owe" not in body
    assert body.splitlines()[0] == "Hello,"
    assert all(link.startswith("http://127.0.0.1:5000/") for link in re.findall(r"\S+://\S+", body))
