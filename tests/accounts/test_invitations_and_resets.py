"""Invitation → set password → sign in → forgotten password → reset, through a real SMTP server."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from kaiku_training.accounts.models import AccountToken, Role, User
from kaiku_training.extensions import db
from kaiku_training.outbox.services import deliver_due
from tests.conftest import link_in
from tests.factories import make_admin, make_area

EXPECTED = {
    "fi": {"invite_subject": "Kutsu", "welcome": "Tervetuloa", "reset_subject": "salasana"},
    "sv": {"invite_subject": "Inbjudan", "welcome": "Välkommen", "reset_subject": "lösenord"},
    "en": {"invite_subject": "invitation", "welcome": "Welcome", "reset_subject": "password"},
}


@pytest.mark.parametrize("locale", ["fi", "sv", "en"])
def test_invitation_to_reset_end_to_end(client, auth, app, smtp_server, locale):
    make_admin(email="admin@example.org")
    area = make_area()
    auth.sign_in("admin@example.org")
    response = client.post(
        "/manage/people/invite",
        data={
            "email": "uusi@example.org",
            "name": "Uusi Koordinaattori",
            "roles": ["coordinator"],
            "area_id": area.id,
            "sector": "culture",
            "locale": locale,
        },
    )
    assert response.status_code == 302
    auth.sign_out()

    assert deliver_due().sent == 1
    [invitation] = smtp_server.messages
    assert invitation["To"] == "uusi@example.org"
    assert EXPECTED[locale]["invite_subject"].lower() in invitation["Subject"].lower()
    assert invitation["Content-Language"] == locale
    link = link_in(invitation.get_content())

    page = client.get(link)
    assert page.status_code == 200 and "uusi@example.org" in page.get_data(as_text=True)
    too_short = client.post(link, data={"password": "short", "confirm": "short"})
    assert 'id="password-error"' in too_short.get_data(as_text=True)
    done = client.post(link, data={"password": "a long new password", "confirm": "a long new password"})
    assert done.status_code == 302
    assert EXPECTED[locale]["welcome"] in client.get("/").get_data(as_text=True)
    auth.sign_out()

    # the invitation link works only once
    assert client.get(link).status_code == 410

    auth.sign_in("uusi@example.org", "a long new password")
    auth.sign_out()

    client.post("/password/forgot", data={"email": "uusi@example.org"})
    deliver_due()
    reset = smtp_server.messages[-1]
    assert EXPECTED[locale]["reset_subject"] in reset["Subject"].lower()
    reset_link = link_in(reset.get_content())
    assert (
        client.post(
            reset_link, data={"password": "another long password", "confirm": "another long password"}
        ).status_code
        == 302
    )
    auth.sign_out()
    assert client.get(reset_link).status_code == 410
    auth.sign_in("uusi@example.org", "another long password")


def test_forgot_password_does_not_reveal_unknown_addresses(client, app):
    client.set_cookie("kaiku_lang", "en")
    response = client.post("/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "If an account uses that address" in response.get_data(as_text=True)
    from kaiku_training.outbox.models import OutboxMessage

    assert db.session.scalar(select(OutboxMessage)) is None


def test_expired_reset_link_is_refused(client, app, smtp_server):
    from tests.factories import make_user

    make_user("aino@example.org")
    client.post("/password/forgot", data={"email": "aino@example.org"})
    deliver_due()
    link = link_in(smtp_server.messages[0].get_content())
    token = db.session.scalar(select(AccountToken))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    client.set_cookie("kaiku_lang", "en")
    page = client.get(link)
    assert page.status_code == 410 and "no longer works" in page.get_data(as_text=True)


def test_tokens_are_stored_hashed_and_newest_link_wins(client, app, smtp_server):
    from tests.factories import make_user

    make_user("aino@example.org")
    client.post("/password/forgot", data={"email": "aino@example.org"})
    client.post("/password/forgot", data={"email": "aino@example.org"})
    deliver_due()
    first, second = (link_in(m.get_content()) for m in smtp_server.messages)
    raw_tokens = {first.rsplit("/", 1)[1], second.rsplit("/", 1)[1]}
    stored = set(db.session.scalars(select(AccountToken.token_hash)))
    assert not raw_tokens & stored and len(stored) == 2
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_reinvite_replaces_the_earlier_link(client, auth, app, smtp_server):
    make_admin(email="admin@example.org")
    auth.sign_in("admin@example.org")
    client.post(
        "/manage/people/invite",
        data={
            "email": "new@example.org",
            "name": "New Person",
            "roles": ["trainer"],
            "area_id": 0,
            "sector": "",
            "locale": "en",
        },
    )
    person = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert person.roles == {Role.TRAINER} and person.password_hash is None
    client.post(f"/manage/people/{person.id}/reinvite")
    deliver_due()
    first, second = (link_in(m.get_content()) for m in smtp_server.messages)
    auth.sign_out()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
