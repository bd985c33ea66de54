"""Journey tests: a person drives the app through its pages, CSRF protection on, with every
step read from and submitted through the HTML (tests/web.py)."""

import pytest

from kaiku_training.core.i18n import LANGUAGE_NAMES
from tests.conftest import test_settings
from tests.factories import PASSWORD
from tests.web import Browser, Page


@pytest.fixture
def app_settings(database_url, smtp_port, courses_dir):
    return test_settings(database_url, smtp_port, COURSES_DIR=str(courses_dir), WTF_CSRF_ENABLED=True)


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def new_browser(app):
    """Another person at another browser (own cookies)."""
    return lambda: Browser(app.test_client())


def sign_in(browser: Browser, email: str, password: str = PASSWORD) -> Page:
    """Sign in through the sign-in form, as a person does."""
    page = browser.get("/sign-in")
    return page.form("/sign-in", button="").fill(email=email, password=password).submit()


def set_language(browser: Browser, language: str) -> Page:
    """Pick the page language with the switch every page offers."""
    page = browser.get("/")
    return page.form("/language", button=LANGUAGE_NAMES[language]).submit()
