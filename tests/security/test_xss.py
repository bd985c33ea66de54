"""Stored XSS: the corpus of tests/security/xss_corpus.py in every text field (stored through the
forms, tests/security/hostile_data.py), then every page reachable by links crawled in one
Chromium as each role that sees them (and the guests' pages from their email links). A page
fails on any dialog, any element, attribute or URL that the payloads' markup could have made
(xss_corpus.INJECTION_PROBE), any Content-Security-Policy refusal in the console, and any
template expression evaluated. Every payload of every plain field must also show up as text on
some page (or, for the few that pages show only in part, in a download or an email), so that a
field that is never rendered cannot pass unnoticed.

The files the pages link to (CSV, XLSX, calendars) are fetched by the same crawl and checked for
formulas and for calendar lines made by text; every queued email is delivered to a real SMTP
server and checked for injected headers, HTML and guests' links.

    .venv/bin/pytest -q -s tests/security/test_xss.py   # -s prints the figures
"""

import csv
import io
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

import icalendar
import openpyxl
import pytest

from kaiku_training import create_app
from kaiku_training.core.spreadsheets import FORMULA_STARTS
from kaiku_training.core.spreadsheets import XLSX_MIMETYPE as XLSX
from kaiku_training.extensions import db
from kaiku_training.outbox.services import deliver_due
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _delete_all_rows, served
from tests.conftest import _forget_request_state, free_port, test_settings
from tests.factories import PASSWORD
from tests.security import hostile_data
from tests.security.xss_corpus import INJECTION_PROBE, TEMPLATE_EVALUATED, csp_or_script_console_message, markers_in
from tests.smtp import SmtpServer, text_of

ROLES = {
    "admin": hostile_data.ADMIN,
    "trainer": hostile_data.TRAINER,
    "area lead": hostile_data.LEAD,
    "registrant": "registrant0@example.org",
    "anonymous": None,
}
MEETING = f"/meetings/{hostile_data.YEAR}"
MANAGE_MEETING = f"/manage/meetings/{hostile_data.YEAR}"
PAGES_PER_SHAPE = 2  # /x/1 and /x/2 of a kind; the lists show every record
# Staff pages render the same for these roles as for an admin: they check the pages an admin has not.
SEEN_BY_ADMIN_TOO = {"trainer", "area lead"}
MAX_PAGES_PER_ROLE = 400
SKIPPED = ("/static/", "/sign-out")
DOWNLOADS = (".csv", ".xlsx", ".ics")
LINK = re.compile(r"(?:https?|ftp|javascript|data)://\S+|www\.\S+", re.IGNORECASE)


@pytest.fixture(scope="module")
def hostile_server(database_url, smtp_port, tmp_path_factory):
    """The app over HTTP with CSRF protection on and the corpus in every field: (origin, data, app)."""
    courses_dir = tmp_path_factory.mktemp("hostile") / "courses"
    courses_dir.mkdir()
    port = free_port()
    app = create_app(
        test_settings(
            database_url,
            smtp_port,
            WTF_CSRF_ENABLED=True,
            BASE_URL=f"http://127.0.0.1:{port}",
            COURSES_DIR=str(courses_dir),
            RATELIMIT_ENABLED=False,
        )
    )
    app.before_request(_forget_request_state)  # the forms are filled in inside one app context
    with app.app_context():
        db.create_all()
        _delete_all_rows()
        started = time.monotonic()
        data = hostile_data.store_everything(app, courses_dir)
        data.seconds_to_store = time.monotonic() - started
        db.session.remove()
    with served(app, port):
        yield f"http://127.0.0.1:{port}", data, app


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


@dataclass
class Download:
    role: str
    url: str
    content_type: str
    body: bytes


@dataclass
class CrawlResult:
    problems: list = field(default_factory=list)  # (where, [what])
    seen_markers: dict = field(default_factory=lambda: defaultdict(set))  # marker -> {where}
    downloads: dict = field(default_factory=dict)  # (role, url) -> Download
    figures: list = field(default_factory=list)
    checked_urls: set = field(default_factory=set)
    pages: int = 0
    seconds: float = 0.0

    def of_type(self, content_type: str) -> list[Download]:
        return [item for item in self.downloads.values() if item.content_type.startswith(content_type)]


class Visitor:
    """One role in one browser context: visits pages and records what each shows, and fetches
    every file the pages link to (CSV, XLSX, calendars) with the same cookies."""

    def __init__(self, chromium, origin: str, role: str, result: CrawlResult):
        self.origin, self.role = origin, role
        self.context = chromium.new_context(locale="en-GB")
        self.page = self.context.new_page()
        self.result = result
        self.seen_markers, self.problems = result.seen_markers, result.problems
        self.events: list[str] = []
        self.page.on("dialog", self._on_dialog)
        self.page.on(
            "console",
            lambda message: (
                self.events.append(f"console: {message.text}") if csp_or_script_console_message(message.text) else None
            ),
        )
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
                self.fetch(url)
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

    def fetch(self, url: str) -> None:
        if (self.role, url) in self.result.downloads:
            return
        response = self.context.request.get(url)
        self.result.downloads[(self.role, url)] = Download(
            self.role, url, response.headers.get("content-type", ""), response.body()
        )
        if response.status >= 500:
            self.problems.append((f"{self.role}: {urlsplit(url).path}", [f"HTTP {response.status}"]))
        response.dispose()

    def links(self) -> list[str]:
        anchors = self.page.eval_on_selector_all(
            "a[href]", "links => links.map(a => [a.href, a.hasAttribute('download')])"
        )
        kept = []
        for href, is_download in anchors:
            href = urldefrag(href)[0]
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != self.origin or parts.path.startswith(SKIPPED):
                continue
            if is_download or parts.path.endswith(DOWNLOADS):
                self.fetch(href)
            else:
                kept.append(href)
        return kept

    def make_personal_feed(self) -> None:
        """My calendar shows a new feed address once, when it is made."""
        self.page.goto(self.origin + "/calendar/")
        with self.page.expect_navigation():
            self.page.click('main button[name="action"][value="create"]')
        self.fetch(self.page.input_value("#feed-https"))

    def answer_the_check(self, path: str) -> None:
        """The explanations show once a knowledge check is answered."""
        self.page.goto(self.origin + path)
        self.page.locator('main input[type="radio"]').first.check()
        with self.page.expect_navigation():
            self.page.click('main form button[type="submit"]')
        self.check_page(self.page.url)

    def crawl(self, first_paths, skip: set[str]) -> None:
        """Breadth first from the start page and `first_paths`, leaving out the pages in `skip`."""
        queue = deque([self.page.url, *(self.origin + path for path in first_paths)])
        first = set(queue)
        seen, shapes = set(queue), defaultdict(int)
        while queue and self.pages < MAX_PAGES_PER_ROLE:
            url = queue.popleft()
            if (url in skip and url not in first) or not self.visit(url):
                continue
            self.result.checked_urls.add(url)
            for link in self.links():
                if link not in seen and shapes[_shape(link)] < PAGES_PER_SHAPE:
                    seen.add(link)
                    shapes[_shape(link)] += 1
                    queue.append(link)


def _first_paths(role: str, data: hostile_data.HostileData) -> list[str]:
    """Pages a role checks first, whatever the cap per kind of page: those of the edition that
    has everything (the crawl takes only a couple of editions), every roster (each has its own
    guest), an organiser's message in the outbox, and a few guests' pages from their emails."""
    return {
        "admin": [f"{MANAGE_MEETING}/{page}" for page in ("edit", "programme", "questions", "registrations", "after")]
        + [MEETING, f"{MEETING}/participants", *data.outbox_paths]
        + [f"/manage/sessions/{number}" for number in data.session_ids],
        "trainer": [f"/manage/sessions/{number}/roster.csv" for number in data.session_ids],
        "registrant": [MEETING, f"{MEETING}/participants", f"{MEETING}/feedback"],
        "anonymous": [MEETING, *data.guest_links[:2], *data.guest_links[-2:]],
    }.get(role, [])


@pytest.fixture(scope="module")
def crawl(hostile_server, chromium) -> CrawlResult:
    """Every role crawls once; the tests below check what it saw."""
    origin, data, _app = hostile_server
    result = CrawlResult()
    started = time.monotonic()
    for role, email in ROLES.items():
        visitor = Visitor(chromium, origin, role, result)
        role_started = time.monotonic()
        try:
            visitor.start(email)
            visitor.crawl(
                _first_paths(role, data), skip=set(result.checked_urls) if role in SEEN_BY_ADMIN_TOO else set()
            )
            if role == "registrant":
                visitor.answer_the_check(f"/courses/{hostile_data.COURSE_KEY}/checks/m")
                visitor.make_personal_feed()
        finally:
            result.pages += visitor.pages
            result.figures.append(f"{role} {visitor.pages} pages in {time.monotonic() - role_started:.1f} s")
            visitor.close()
    result.seconds = time.monotonic() - started
    return result


@pytest.mark.browser
def test_no_stored_payload_runs_or_makes_markup_on_any_page(hostile_server, crawl):
    _origin, data, _app = hostile_server
    seen = crawl.seen_markers
    stored = sum(len(field.payloads()) for field in data.fields.all)
    print(
        f"\nXSS corpus: {stored} payloads stored in {len(data.fields.all)} fields in {data.seconds_to_store:.1f} s; "
        f"{crawl.pages} pages rendered in Chromium in {crawl.seconds:.1f} s ({', '.join(crawl.figures)}); "
        f"{len(crawl.downloads)} files downloaded; {len(seen)} payloads shown, "
        f"{sum(map(len, seen.values()))} (payload, page) sightings; the course sync refused "
        f"{len(data.course_refused)} Markdown payloads, the forms {len(data.url_fields_refused)} links"
    )
    for stored_field in data.fields.all:
        pages_of_field = {page for marker in stored_field.markers() for page in seen.get(marker, ())}
        print(
            f"  {stored_field.name}: {len(stored_field.markers() & set(seen))} of "
            f"{len(stored_field.markers())} payloads "
            f"shown, on {len(pages_of_field)} pages"
        )
    assert not crawl.problems, "Injected on {} pages:\n{}".format(
        len(crawl.problems), "\n".join(f"{where}\n  - " + "\n  - ".join(items) for where, items in crawl.problems)
    )
    unseen = {
        field.name: sorted(field.markers() - set(seen))
        for field in data.fields.all
        if not (field.markdown or field.url) and field.pages_show_all and field.markers() - set(seen)
    }
    assert not unseen, f"payloads stored but never shown (is the field rendered anywhere?): {unseen}"
    never = [
        field.name
        for field in data.fields.all
        if not field.markers() & set(seen) and not field.url and field.pages_show_all
    ]
    assert not never, f"fields never shown on any page: {never}"


# --- downloads: CSV, XLSX and calendars, as the crawl fetched them ---------------------------------------


def _csv_rows(download: Download) -> list[list[str]]:
    text = download.body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.mark.browser
def test_csv_downloads_run_no_formula_and_carry_the_text_whole(hostile_server, crawl):
    _origin, data, _app = hostile_server
    files = crawl.of_type("text/csv")
    assert len({urlsplit(item.url).path for item in files}) >= 5, [item.url for item in files]
    formulas, markers = [], set()
    for item in files:
        for number, row in enumerate(_csv_rows(item), start=1):
            for cell in row:
                markers |= markers_in(cell)
                if cell.startswith(FORMULA_STARTS):
                    formulas.append(f"{urlsplit(item.url).path} line {number}: {cell[:80]!r}")
    assert not formulas, "cells a spreadsheet runs as a formula:\n" + "\n".join(formulas[:40])
    _all_shown_somewhere(data, crawl, markers)


def _all_shown_somewhere(data, crawl, exported: set[str]) -> None:
    """A field the pages show only in part is whole in the downloads."""
    missing = {
        field.name: sorted(field.markers() - exported - set(crawl.seen_markers))[:5]
        for field in data.fields.all
        if not field.pages_show_all and not field.name.startswith("message")
    }
    assert not any(missing.values()), f"payloads neither on a page nor in a download: {missing}"


@pytest.mark.browser
def test_xlsx_downloads_hold_no_formula(crawl):
    files = crawl.of_type(XLSX)
    assert len(files) >= 3, [item.url for item in crawl.downloads.values()]
    formulas, markers = [], set()
    for item in files:
        workbook = openpyxl.load_workbook(io.BytesIO(item.body))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    markers |= markers_in(str(cell.value))
                    if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                        formulas.append(f"{urlsplit(item.url).path} {sheet.title}!{cell.coordinate}: {cell.value!r}")
    assert markers, "no payload reached an Excel download"
    assert not formulas, "cells Excel runs as a formula:\n" + "\n".join(sorted(set(formulas))[:20])


EVENT_PROPERTIES = {
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "LOCATION",
    "URL",
    "STATUS",
    "SEQUENCE",
    "LAST-MODIFIED",
    "TRANSP",
    "ORGANIZER",
    "ATTENDEE",
    "CLASS",
    "CATEGORIES",
}


@pytest.mark.browser
def test_calendars_get_no_property_or_event_from_text(hostile_server, crawl):
    """Titles and descriptions with line breaks and property text stay inside their property."""
    _origin, data, _app = hostile_server
    files = crawl.of_type("text/calendar")
    assert any("/calendar/feed/" in item.url for item in files), "the personal feed was not fetched"
    expected = {"/calendar/sessions.ics": len(data.session_ids)}
    problems = []
    for item in files:
        path = urlsplit(item.url).path
        calendar = icalendar.Calendar.from_ical(item.body)
        events = calendar.walk("VEVENT")
        problems += _injected(path, calendar, events)
        if path in expected and len(events) != expected[path]:
            problems.append(f"{path}: {len(events)} events, expected {expected[path]}")
    assert not problems, "\n".join(sorted(set(problems))[:40])


def _injected(where: str, calendar, events) -> list[str]:
    problems = []
    if [component.name for component in calendar.subcomponents if component.name not in ("VEVENT", "VTIMEZONE")]:
        problems.append(f"{where}: unexpected components")
    for event in events:
        names = set(event.keys())
        if names - EVENT_PROPERTIES:
            problems.append(f"{where}: properties {sorted(names - EVENT_PROPERTIES)} in {event.get('UID')}")
        if str(event.get("UID", "")).lower() == "evil" or any(
            "evil@" in str(value) for value in _as_list(event.get("ATTENDEE"))
        ):
            problems.append(f"{where}: an event or attendee made by text: {event.get('UID')}")
        for name in ("SUMMARY", "DESCRIPTION"):
            if isinstance(event.get(name), list):
                problems.append(f"{where}: {name} given twice in {event.get('UID')}")
    return problems


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


# --- emails, as the SMTP server receives them ------------------------------------------------------------

HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "mime-version",
    "content-type",
    "content-language",
    "content-transfer-encoding",
    "auto-submitted",
    "list-unsubscribe",
}


@pytest.mark.browser
def test_emails_carry_no_injected_header_markup_or_link(hostile_server, smtp_port):
    _origin, data, app = hostile_server
    server = SmtpServer(smtp_port)
    server.start()
    try:
        with app.app_context():
            report = deliver_due(batch_size=10_000)
            db.session.remove()
    finally:
        server.stop()
    messages = server.messages
    assert len(messages) >= len(data.session_ids) * 2, report
    guest_fields = {field.number for field in data.fields.all if "guest" in field.name}
    problems = []
    for message in messages:
        where = f"to {message['To']} ({message['Subject'][:40]!r})"
        unexpected = {name.lower() for name in message} - HEADERS
        if unexpected:
            problems.append(f"{where}: headers {sorted(unexpected)}")
        for name, value in message.items():
            if "\r" in str(value) or "\n" in str(value):
                problems.append(f"{where}: a line break in {name}")
        for part in message.walk():
            if part.get_content_type() == "text/html":
                problems.append(f"{where}: an HTML part (every email is plain text)")
            if part.get_content_type() == "text/plain":
                for link in LINK.findall(part.get_content()):
                    if any(int(marker[2:4]) in guest_fields for marker in markers_in(link)):
                        problems.append(f"{where}: a link written by a guest: {link}")
    delivered = set().union(*(markers_in(f"{message['Subject']} {text_of(message)}") for message in messages))
    missing = {
        field.name: sorted(field.markers() - delivered)[:5]
        for field in data.fields.all
        if field.name.startswith("message") and field.markers() - delivered
    }
    assert not missing, f"organisers' messages not delivered whole: {missing}"
    assert not problems, "\n".join(sorted(set(problems))[:40])


@pytest.mark.browser
def test_a_line_break_sent_in_a_title_makes_no_calendar_line(hostile_server):
    """A browser cannot send a line break in a one-line field, but anyone can post one: the title
    stays one line in the calendar download."""
    _origin, _data, app = hostile_server
    title = "Injected\r\nATTENDEE:mailto:evil@example.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil"
    with app.app_context():
        trainer = hostile_data.signed_in(app, hostile_data.TRAINER)
        form = trainer.get("/manage/sessions/new").form("/manage/sessions/new", button="")
        form.fill(
            **{f"title_{locale}": title for locale in ("fi", "sv", "en")},
            day=hostile_data.SESSION_DAY.isoformat(),
            start_time="14:00",
            end_time="15:00",
            meeting_url="https://meet.example.org/crlf",
            capacity="5",
        )
        page = form.submit()
        session_id = re.search(r"/manage/sessions/(\d+)", page.url).group(1)
        response = trainer.client.get(f"/sessions/{session_id}/event.ics")
        db.session.remove()
    assert response.status_code == 200, response.status_code
    calendar = icalendar.Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1 and not _injected("event.ics", calendar, events), response.data.decode()


@pytest.mark.browser
def test_the_probe_finds_injected_markup(chromium):
    """The page check itself: each kind of injection it looks for, in a page of its own."""
    page = chromium.new_page()
    try:
        page.set_content("""<main><p>kx9900 as text</p><img src="x" onerror="1"><a href="java&#9;script:1">x</a>
            <iframe srcdoc="x"></iframe><kx9901>x</kx9901><p kx9902="x"></p><svg onload="1"></svg>
            <div style="background:url(kx9903)"></div><form action="javascript:1"></form></main>""")
        probe = page.evaluate(INJECTION_PROBE)
    finally:
        page.close()
    found = "\n".join(probe["found"])
    for kind in (
        "event handler onerror",
        "script URL in href",
        "<iframe>",
        "element named by a payload",
        "attribute named by a payload",
        "<svg> outside the charts",
        "style attribute",
        "script URL in action",
    ):
        assert kind in found, f"the probe missed {kind!r}:\n{found}"
    assert probe["shown"] == ["kx9900"]
