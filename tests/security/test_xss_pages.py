"""Stored XSS: the corpus of tests/security/xss_corpus.py in every text field (stored through the
forms, tests/security/hostile_data.py), then every page reachable by links crawled in one
Chromium as each role that sees them (and the guests' pages from their email links). A page
fails on any dialog, any element, attribute or URL that the payloads' markup could have made
(xss_corpus.INJECTION_PROBE), any Content-Security-Policy refusal in the console, and any
template expression evaluated. Every payload of every plain field must also show up as text on
some page, so that a field that is never rendered cannot pass unnoticed.

`-s` prints the figures: payloads × fields stored, pages rendered, markers seen.
"""
import logging
import re
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _delete_all_rows
from tests.conftest import _forget_request_state, free_port, test_settings
from tests.factories import PASSWORD
from tests.security import hostile_data
from tests.security.xss_corpus import INJECTION_PROBE, TEMPLATE_EVALUATED, csp_or_script_console_message

ROLES = {"admin": hostile_data.ADMIN, "trainer": hostile_data.TRAINER, "area lead": hostile_data.LEAD,
         "registrant": "registrant0@example.org", "anonymous": None}
MEETING = f"/meetings/{hostile_data.YEAR}"
MANAGE_MEETING = f"/manage/meetings/{hostile_data.YEAR}"
# Pages of the edition that has everything, first: the crawl takes only a few editions' pages.
FIRST_PATHS = {
    "admin": [f"{MANAGE_MEETING}/{page}" for page in ("edit", "programme", "questions", "registrations", "after")]
             + [MEETING, f"{MEETING}/participants"],
    "registrant": [MEETING, f"{MEETING}/participants", f"{MEETING}/feedback"],
    "anonymous": [MEETING],
}
PAGES_PER_SHAPE = 3  # /x/1, /x/2, /x/3 of a kind; the lists show every record
MAX_PAGES_PER_ROLE = 400
SKIPPED = ("/static/", "/sign-out")


@pytest.fixture(scope="module")
def hostile_server(database_url, smtp_port, tmp_path_factory):
    courses_dir = tmp_path_factory.mktemp("hostile") / "courses"
    courses_dir.mkdir()
    port = free_port()
    app = create_app(test_settings(
        database_url, smtp_port, WTF_CSRF_ENABLED=True, BASE_URL=f"http://127.0.0.1:{port}",
        COURSES_DIR=str(courses_dir), RATELIMIT_ENABLED=False,
    ))
    app.before_request(_forget_request_state)  # the forms are filled in inside one app context
    with app.app_context():
        db.create_all()
        _delete_all_rows()
        started = time.monotonic()
        data = hostile_data.store_everything(app, courses_dir)
        data.seconds_to_store = time.monotonic() - started
        db.session.remove()
    request_log = logging.getLogger("werkzeug")
    saved_level = request_log.level
    request_log.setLevel(logging.WARNING)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", data
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        request_log.setLevel(saved_level)
        with app.app_context():
            _delete_all_rows()
            db.engine.dispose()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"The XSS tests need Chromium at {CHROMIUM}.", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"/\d+", "/#", parts.path) + ("?" + re.sub(r"=[^&]*", "=", parts.query) if parts.query else "")


class Visitor:
    """One role in one browser context: visits pages and records what each shows."""

    def __init__(self, chromium, origin: str, role: str, seen_markers: dict, problems: list):
        self.origin, self.role = origin, role
        self.context = chromium.new_context(locale="en-GB")
        self.page = self.context.new_page()
        self.seen_markers, self.problems = seen_markers, problems
        self.events: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.on("console", lambda message: self.events.append(f"console: {message.text}")
                     if csp_or_script_console_message(message.text) else None)
        self.page.on("pageerror", lambda error: self.events.append(f"page error: {error}"))
        self.pages = 0

    def _on_dialog(self, dialog):
        self.events.append(f"dialog ({dialog.type}): {dialog.message}")
        dialog.dismiss()

    def close(self):
        self.context.close()

    def start(self, email: str | None) -> None:
        self.page.goto(self.origin + "/")
        with self.page.expect_navigation():
            self.page.click('header button[name="locale"][value="en"]')
        if email:
            self.page.goto(self.origin + "/sign-in")
            self.page.fill('input[name="email"]', email)
            self.page.fill('input[name="password"]', PASSWORD)
            with self.page.expect_navigation():
                self.page.click('main form button[type="submit"]')
            assert urlsplit(self.page.url).path != "/sign-in", f"signing in as {email} failed"

    def visit(self, url: str) -> bool:
        """Open a page and check it; False when it was a download."""
        try:
            response = self.page.goto(url)
        except Exception as error:  # Playwright: a file download is no page
            if "Download is starting" in str(error):
                return False
            raise
        self.check_page(url, response.status if response else None)
        return True

    def check_page(self, url: str, status: int | None = None) -> None:
        self.pages += 1
        probe = self.page.evaluate(INJECTION_PROBE)
        where = f"{self.role}: {urlsplit(url).path}"
        for marker in probe["shown"]:
            self.seen_markers[marker].add(where)
        evaluated = TEMPLATE_EVALUATED.findall(probe["text"])
        problems = probe["found"] + self.events + [f"template expression evaluated: {item}" for item in evaluated]
        if status and status >= 500:
            problems.append(f"HTTP {status}")
        self.events = []
        if problems:
            self.problems.append((where, problems))

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)")
        kept = []
        for href in hrefs:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" == self.origin and not parts.path.startswith(SKIPPED):
                kept.append(href)
        return kept

    def answer_the_check(self, path: str) -> None:
        """The explanations show once a knowledge check is answered."""
        self.page.goto(self.origin + path)
        self.page.locator('main input[type="radio"]').first.check()
        with self.page.expect_navigation():
            self.page.click('main form button[type="submit"]')
        self.check_page(self.page.url)

    def crawl(self, first_paths) -> None:
        queue = deque([self.page.url, *(self.origin + path for path in first_paths)])
        seen, shapes = set(queue), defaultdict(int)
        while queue and self.pages < MAX_PAGES_PER_ROLE:
            url = queue.popleft()
            if not self.visit(url):
                continue
            for link in self.links():
                if link not in seen and shapes[_shape(link)] < PAGES_PER_SHAPE:
                    seen.add(link)
                    shapes[_shape(link)] += 1
                    queue.append(link)


@pytest.mark.browser
def test_no_stored_payload_runs_or_makes_markup_on_any_page(hostile_server, chromium):
    origin, data = hostile_server
    seen_markers: dict[str, set[str]] = defaultdict(set)
    problems: list = []
    pages, figures = 0, []
    started = time.monotonic()
    for role, email in ROLES.items():
        visitor = Visitor(chromium, origin, role, seen_markers, problems)
        role_started = time.monotonic()
        try:
            visitor.start(email)
            first_paths = {"admin": data.outbox_paths, "anonymous": data.guest_links}.get(role, [])
            visitor.crawl(FIRST_PATHS.get(role, []) + first_paths)
            if role == "registrant":
                visitor.answer_the_check(f"/courses/{hostile_data.COURSE_KEY}/checks/m")
        finally:
            pages += visitor.pages
            figures.append(f"{role} {visitor.pages} pages in {time.monotonic() - role_started:.1f} s")
            visitor.close()

    stored = sum(len(field.payloads()) for field in data.fields.all)
    print(f"\nXSS corpus: {stored} payloads stored ({len(data.fields.all)} fields) in {data.seconds_to_store:.1f} s; "
          f"{pages} pages rendered in Chromium in {time.monotonic() - started:.1f} s; "
          f"{len(seen_markers)} markers seen, {sum(map(len, seen_markers.values()))} (marker, page) sightings; "
          f"the course sync refused {len(data.course_refused)} Markdown payloads, the forms "
          f"{len(data.url_fields_refused)} links; " + ", ".join(figures))
    for field in data.fields.all:
        pages_of_field = {page for marker in field.markers() for page in seen_markers.get(marker, ())}
        print(f"  {field.name}: {len(field.markers() & set(seen_markers))} of {len(field.markers())} payloads "
              f"shown, on {len(pages_of_field)} pages")
    assert not problems, "Injected on {} pages:\n{}".format(len(problems), "\n".join(
        f"{where}\n  - " + "\n  - ".join(items) for where, items in problems))
    unseen = {field.name: sorted(field.markers() - set(seen_markers)) for field in data.fields.all
              if not (field.markdown or field.url) and field.pages_show_all and field.markers() - set(seen_markers)}
    assert not unseen, f"payloads stored but never shown (is the field rendered anywhere?): {unseen}"
    never = [field.name for field in data.fields.all if not field.markers() & set(seen_markers)
             and not field.url]
    assert not never, f"fields never shown on any page: {never}"
