"""Fixtures for the browser crawl: the app served over real HTTP from a thread, with the demo
data loaded, and a headless Chromium driven by Playwright.

The app is built here rather than by the `app` fixture of tests/conftest.py, which empties the
tables after every test: the crawl needs one app that lives for the whole module.
"""

import logging
import re
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from kaiku_training import create_app
from kaiku_training.accounts import services
from kaiku_training.accounts.models import Role
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.demo.data import load_all_demo_data
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage
from tests.conftest import free_port, test_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
DEMO_PASSWORD = "kaiku-demo"  # every demo person's password (app/demo/accounts.py)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]


@dataclass(frozen=True)
class Tools:
    axe_script: Path
    vnu_jar: Path
    java: str


@pytest.fixture(scope="session")
def checker_tools() -> Tools:
    """axe-core and the Nu HTML checker come from npm (package.json); Java runs the checker.
    A missing tool fails the test: a skipped accessibility check would pass unnoticed."""
    missing = [str(path.relative_to(REPO_ROOT)) for path in (AXE_SCRIPT, VNU_JAR) if not path.is_file()]
    if missing:
        pytest.fail(
            f"The browser checks need {', '.join(missing)}: run `npm ci` at the repository root "
            "(or `make test`, which runs it).",
            pytrace=False,
        )
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "The Nu HTML checker needs Java 17 or later on PATH (Debian: apt-get install default-jre-headless).",
            pytrace=False,
        )
    return Tools(AXE_SCRIPT, VNU_JAR, java)


@pytest.fixture(scope="module")
def browser(checker_tools):
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser checks need Chromium at {CHROMIUM} (Debian: apt-get install chromium).", pytrace=False
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass(frozen=True)
class LiveServer:
    url: str
    reset_password_path: str  # the coordinator's unused password-reset link
    invitation_path: str  # the unused invitation link of a person who has not signed in yet
    app: Flask  # for preconditions: `with live_server.app.app_context(): make_user(...)`


def _delete_all_rows() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", body)
    assert match, f"no link in the email: {body}"
    return match.group(1)


def _seed(courses_dir: Path) -> tuple[str, str]:
    """What `flask courses sync` and `flask demo load` give (the courses of this repository and
    all demo data), plus an open invitation and a password reset, so that
    the pages those emails lead to (and the outbox pages that list them) are checked too."""
    report = sync_courses(courses_dir)
    if report.errors:
        pytest.fail(
            "The courses in {} do not sync:\n{}".format(courses_dir, "\n".join(map(str, report.errors))), pytrace=False
        )
    load_all_demo_data()
    services.request_password_reset("coordinator@example.org", "fi")
    services.invite(
        "invited@example.org",
        "Iida Kutsuttu",
        roles=[Role.COORDINATOR],
        area=services.find_area_by_name("Esimerkkiseutu"),
        sector=None,
        locale="sv",
        invited_by=services.find_user_by_email("admin@example.org"),
    )
    bodies = {message.recipient: message.body_text for message in db.session.scalars(db.select(OutboxMessage))}
    return _link_path(bodies["coordinator@example.org"]), _link_path(bodies["invited@example.org"])


@pytest.fixture(scope="module")
def live_server(database_url, smtp_port):
    """The app over HTTP on 127.0.0.1, with CSRF protection on as in production."""
    port = free_port()
    app = create_app(
        test_settings(
            database_url,
            smtp_port,
            WTF_CSRF_ENABLED=True,
            BASE_URL=f"http://127.0.0.1:{port}",
            LOGIN_LIMIT_PER_IP="1000 per minute",
            LOGIN_LIMIT_PER_ACCOUNT_AND_IP="1000 per minute",
        )
    )
    with app.app_context():
        db.create_all()
        _delete_all_rows()
        reset_path, invitation_path = _seed(app.config["COURSES_DIR"])
        db.session.remove()
    with served(app, port):
        yield LiveServer(f"http://127.0.0.1:{port}", reset_path, invitation_path, app)


@contextmanager
def served(app: Flask, port: int):
    """Serve `app` over HTTP on 127.0.0.1 from a thread; afterwards, empty its tables."""
    # One log line per request would bury a failure report; errors are still logged.
    request_log = logging.getLogger("werkzeug")
    saved_level = request_log.level
    request_log.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kaiku-live-server", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        request_log.setLevel(saved_level)
        with app.app_context():
            _delete_all_rows()
            db.engine.dispose()


# --- a person at a browser, for the journeys and the small-screen checks ----------------------------


def choose_language(page, language: str) -> None:
    """Press the language button in the page header (on a small screen it may sit in the menu)."""
    press_header_button(page, "locale", language)


def press_header_button(page, name: str, value: str) -> None:
    button = page.locator(f'header button[name="{name}"][value="{value}"]')
    if not button.is_visible():
        page.locator("header summary").click()
    with page.expect_navigation():
        button.click()


def sign_in(page, server: LiveServer, email: str, password: str, language: str) -> None:
    """Sign in through the sign-in form, then pick `language` (the person's stored preference
    applies on signing in)."""
    page.goto(server.url + "/sign-in")
    choose_language(page, language)
    page.get_by_label(SIGN_IN_LABELS[language]["email"], exact=True).fill(email)
    page.get_by_label(SIGN_IN_LABELS[language]["password"], exact=True).fill(password)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=SIGN_IN_LABELS[language]["button"]).click()
    assert not page.url.startswith(server.url + "/sign-in"), f"signing in as {email} failed"
    choose_language(page, language)


SIGN_IN_LABELS = {
    "en": {"email": "Email", "password": "Password", "button": "Sign in"},
    "sv": {"email": "E-post", "password": "Lösenord", "button": "Logga in"},
}
