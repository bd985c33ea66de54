"""Sessions end when they should: a cookie captured before sign-out, a password change or
reset, deactivation or "sign out everywhere" no longer signs anyone in, and remember-me
cookies expire within the configured number of days."""

from datetime import UTC, datetime, timedelta

import pytest

from kaiku_training.accounts import services
from kaiku_training.accounts.models import TokenPurpose
from kaiku_training.extensions import db
from tests.conftest import test_settings
from tests.factories import PASSWORD, make_admin, make_user
from tests.journeys.conftest import set_language
from tests.web import Browser

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def app_settings(database_url, smtp_port, courses_dir):
    return test_settings(database_url, smtp_port, COURSES_DIR=str(courses_dir), WTF_CSRF_ENABLED=True)


@pytest.fixture
def person(app):
    return make_user("aino@example.org", name="Aino Virtanen")


def signed_in_browser(app, email="aino@example.org", password=PASSWORD, remember=False) -> Browser:
    """A browser of its own, signed in through the sign-in form, its pages in English."""
    browser = Browser(app.test_client())
    set_language(browser, "en")
    form = browser.get("/sign-in").form("/sign-in", button="Sign in").fill(email=email, password=password)
    if remember:
        form.check("remember", "Keep me signed in")
    assert "Welcome" in form.submit().text
    return browser


def captured(browser: Browser, name: str) -> str:
    return browser.client.get_cookie(name).value


def signs_in(app, **cookies) -> bool:
    """Whether a fresh browser carrying only these cookies is let into My account."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client.get("/account").status_code == 200


def test_a_session_cookie_captured_before_sign_out_is_refused(app, person):
    browser = signed_in_browser(app)
    session_cookie = captured(browser, "session")
    assert signs_in(app, session=session_cookie)
    browser.get("/").form("/sign-out").submit()
    assert not signs_in(app, session=session_cookie)


def test_a_remember_cookie_captured_before_a_password_change_is_refused(app, person):
    browser = signed_in_browser(app, remember=True)
    remember_cookie = captured(browser, "remember_token")
    assert signs_in(app, remember_token=remember_cookie)
    page = (
        browser.get("/account")
        .form("/account/password")
        .fill(
            **{
                "password-current": PASSWORD,
                "password-password": NEW_PASSWORD,
                "password-confirm": NEW_PASSWORD,
            }
        )
        .submit()
    )
    assert "Your password has been changed." in page.text
    assert not signs_in(app, remember_token=remember_cookie)
    assert "Your details" in browser.get("/account").text  # the browser that changed it stays signed in


def test_a_remember_cookie_captured_before_a_password_reset_is_refused(app, person):
    browser = signed_in_browser(app, remember=True)
    remember_cookie, session_cookie = captured(browser, "remember_token"), captured(browser, "session")
    token = services.issue_token(person, TokenPurpose.PASSWORD_RESET, 2)
    db.session.commit()
    elsewhere = Browser(app.test_client())
    set_language(elsewhere, "en")
    page = (
        elsewhere.get(f"/password/reset/{token}")
        .form(f"/password/reset/{token}")
        .fill(password=NEW_PASSWORD, confirm=NEW_PASSWORD)
        .submit()
    )
    assert "Your password has been changed and you are signed in." in page.text
    assert not signs_in(app, remember_token=remember_cookie)
    assert not signs_in(app, session=session_cookie)


def test_sign_out_everywhere_signs_out_every_other_browser(app, person):
    laptop, phone = signed_in_browser(app), signed_in_browser(app, remember=True)
    phone_cookies = {name: captured(phone, name) for name in ("session", "remember_token")}
    page = laptop.get("/account").form(button="Sign out everywhere").submit()
    assert "You have been signed out on every device." in page.text
    assert "/sign-in" in page.path
    assert "/sign-in" in phone.get("/account").path
    assert not signs_in(app, **phone_cookies)
    assert not signs_in(app, remember_token=phone_cookies["remember_token"])


def test_deactivation_ends_sessions_for_good(app, person):
    admin = make_admin(email="admin@example.org")
    phone = signed_in_browser(app, remember=True)
    phone_cookies = {name: captured(phone, name) for name in ("session", "remember_token")}
    staff = signed_in_browser(app, "admin@example.org")
    staff.get(f"/manage/people/{person.id}").form(button="Deactivate").submit()
    assert "/sign-in" in phone.get("/account").path
    staff.get(f"/manage/people/{person.id}").form(button="Reactivate").submit()
    assert not signs_in(app, **phone_cookies)  # reactivating does not bring old sessions back
    assert admin.active


def test_remember_me_lasts_the_configured_days(app, person):
    browser = signed_in_browser(app, remember=True)
    expires = browser.client.get_cookie("remember_token").expires
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    days = app.config["REMEMBER_DAYS"]
    assert days == 30
    assert expires - datetime.now(UTC) <= timedelta(days=days, minutes=1)
