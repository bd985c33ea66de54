"""Crawl the running app in a real Chromium as each role and in each language, and check every
page with axe-core (WCAG 2.1 A and AA) and the W3C Nu HTML checker.

For each role (anonymous, admin, trainer, coordinator, area lead) and language (fi, sv, en) a fresh browser
context picks the language with the switch in the page header, signs in through the sign-in
form, and then follows every same-origin <a href> breadth first. Every page must answer below
400, say <html lang> in the chosen language, log no console error (a Content-Security-Policy
violation, a missing stylesheet) and have no axe violation. A few forms are also submitted with
bad input (sign-in, password forms, admin forms, a knowledge check), and a few pages reached
only through emails or mistakes (reset and invitation links, an expired link, a missing page, a
forbidden page) are opened on purpose, and checked the same way. The HTML the server sent for
every page is then validated in one run of the Nu checker per role.

The data is the demo data with the courses of this repository synced (tests/browser/conftest.py).

A failure lists every problem per page, role and language. `npm ci` installs the checkers.
"""

import json
import subprocess
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import DEMO_PASSWORD

ROLES = {
    "anonymous": None,
    "admin": "admin@example.org",
    "trainer": "trainer@example.org",
    "coordinator": "coordinator@example.org",
    "area_lead": "arealead@example.org",
}
LANGUAGES = ("fi", "sv", "en")
BROWSER_LOCALE_OTHER_THAN = {"fi": "en-GB", "sv": "fi-FI", "en": "sv-FI"}
MAX_PAGES_PER_CRAWL = 200
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SKIPPED_PATH_PREFIXES = ("/static/",)
NODES_SHOWN_PER_VIOLATION = 5
NAVIGATION_TIMEOUT_MS = 15_000


@dataclass
class CheckedPage:
    role: str
    language: str
    url: str
    how: str  # "link from /x", "form: ...", "opened directly: ..."
    html_file: Path | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        parts = urlsplit(self.url)
        address = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return f"{self.role} / {self.language} / {address}  ({self.how})"


class Crawl:
    """One role in one language, in one fresh browser context."""

    def __init__(self, browser, tools, server, role: str, language: str, html_dir: Path, pages: list):
        self.tools = tools
        self.server = server
        self.origin = server.url
        self.role = role
        self.language = language
        self.html_dir = html_dir
        self.pages = pages
        # The app's CSP (default-src 'self') forbids inline scripts, so axe cannot be added with a
        # <script> tag; an init script is injected by the browser itself and is not subject to
        # the page's CSP. The CSP itself stays in force, so a template that breaks it shows up as
        # a console error.
        # The browser asks for another language than the one chosen, so only a working language
        # switch can make the pages speak the chosen one.
        self.context = browser.new_context(locale=BROWSER_LOCALE_OTHER_THAN[language])
        self.context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        self.context.add_init_script(path=str(tools.axe_script))
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        self.document_url = ""

    def close(self):
        self.context.close()

    def _on_console(self, message):
        if message.type != "error":
            return
        location = message.location or {}
        # The document's own status is checked directly. Chromium asks for /favicon.ico on its
        # own, now and then, although the pages name their icon; no page refers to that address.
        if message.text.startswith("Failed to load resource") and (
            location.get("url") == self.document_url or urlsplit(location.get("url", "")).path == "/favicon.ico"
        ):
            return
        self.console_errors.append(f"console error: {message.text} ({location.get('url', '?')})")

    # --- getting there ------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.origin + path

    def submit(self, selector: str):
        """Click a submit button and return the response that ends the navigation."""
        with self.page.expect_navigation() as navigation:
            self.page.click(selector)
        return navigation.value

    def choose_language(self) -> None:
        response = self.submit(f'header button[name="locale"][value="{self.language}"]')
        lang = self.page.evaluate("document.documentElement.lang")
        assert response.ok and lang == self.language, (
            f"{self.role}: the language switch did not switch to {self.language} "
            f"(HTTP {response.status}, <html lang={lang!r}>)"
        )

    def sign_in(self, email: str) -> None:
        self.page.goto(self.url("/sign-in"))
        self.page.fill('input[name="email"]', email)
        self.page.fill('input[name="password"]', DEMO_PASSWORD)
        self.submit('main form button[type="submit"]')
        assert urlsplit(self.page.url).path != "/sign-in", f"signing in as {email} failed"

    def start(self) -> None:
        self.page.goto(self.url("/"))
        self.choose_language()
        email = ROLES[self.role]
        if email:
            self.sign_in(email)
            self.choose_language()  # signed in, the choice is stored as the person's preference

    # --- checking one page --------------------------------------------------------------------

    def check(self, response, how: str, expected_status: int | None = None) -> CheckedPage:
        """Check the page now in the browser; `response` is the one that brought it."""
        checked = CheckedPage(self.role, self.language, self.page.url, how)
        self.pages.append(checked)
        problems = checked.problems
        if response is None:
            problems.append("no response (the navigation did not load a document)")
            return checked
        status = response.status
        if expected_status is not None:
            if status != expected_status:
                problems.append(f"HTTP {status}, expected {expected_status}")
        elif status >= 400:
            problems.append(f"HTTP {status}")
        if self.role != "anonymous" and urlsplit(self.page.url).path == "/sign-in":
            problems.append("sent to the sign-in page although signed in")
        if not response.headers.get("content-type", "").startswith("text/html"):
            return checked

        body = response.body()
        checked.html_file = self.html_dir / f"{len(self.pages):04d}-{self.role}-{self.language}.html"
        checked.html_file.write_bytes(body)

        lang = self.page.evaluate("document.documentElement.lang")
        if lang != self.language:
            problems.append(f'<html lang="{lang}">, expected "{self.language}"')
        problems.extend(self.console_errors)
        self.console_errors.clear()
        problems.extend(self._axe())
        problems.extend(self._described_by())
        return checked

    def check_download(self, url: str, how: str) -> None:
        """A link to a file the browser downloads: fetch it with the same cookies, check the status."""
        checked = CheckedPage(self.role, self.language, url, how)
        self.pages.append(checked)
        response = self.context.request.get(url)
        if response.status >= 400:
            checked.problems.append(f"HTTP {response.status}")
        response.dispose()

    def _axe(self) -> list[str]:
        results = self.page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        problems = []
        for violation in results["violations"]:
            nodes = violation["nodes"]
            lines = [f"axe {violation['id']} ({violation.get('impact')}): {violation['help']} [{violation['helpUrl']}]"]
            for node in nodes[:NODES_SHOWN_PER_VIOLATION]:
                target = " ".join(str(part) for part in node["target"])
                summary = " ".join((node.get("failureSummary") or "").split())
                lines.append(f"    at {target}: {summary}")
            if len(nodes) > NODES_SHOWN_PER_VIOLATION:
                lines.append(f"    ... and {len(nodes) - NODES_SHOWN_PER_VIOLATION} more")
            problems.append("\n".join(lines))
        return problems

    def _described_by(self) -> list[str]:
        """Every aria-describedby must name elements that exist (hints and error messages)."""
        dangling = self.page.evaluate("""() => [...document.querySelectorAll('[aria-describedby]')]
            .flatMap(el => el.getAttribute('aria-describedby').split(/\\s+/).filter(Boolean)
                .filter(id => !document.getElementById(id))
                .map(id => `${el.tagName.toLowerCase()}[name=${el.getAttribute('name')}] -> #${id}`))""")
        return [f"aria-describedby names a missing element: {item}" for item in dangling]

    def expect_field_errors(self, checked: CheckedPage) -> None:
        """A form sent back with errors marks its fields (or groups of choices) invalid and ties
        the messages to them."""
        invalid = self.page.evaluate("""() => [...document.querySelectorAll(
                '[aria-invalid="true"], fieldset.field--error')]
            .map(el => ({name: el.getAttribute('name') || el.querySelector('legend')?.textContent.trim(),
                         described: (el.getAttribute('aria-describedby') || '').split(/\\s+/)
                             .some(id => id && document.getElementById(id)
                                   && document.getElementById(id).classList.contains('error'))}))""")
        if not invalid:
            checked.problems.append("the form was sent back, but no field is marked invalid")
        for item in invalid:
            if not item["described"]:
                checked.problems.append(f"field {item['name']} is invalid but no error message is tied to it")
        if not self.page.query_selector('[role="alert"]'):
            checked.problems.append("the form was sent back without an error summary (role=alert)")

    # --- the crawl ----------------------------------------------------------------------------

    def links(self) -> tuple[list[str], list[str]]:
        """Same-site pages to visit and files to download. A link marked rel=nofollow (another
        sort order of a table already seen) is left out, so that variants of one page do not
        crowd out the others."""
        anchors = self.page.eval_on_selector_all(
            "a[href]:not([rel~=nofollow])", "links => links.map(a => [a.href, a.hasAttribute('download')])"
        )
        pages, downloads = [], []
        for href, is_download in anchors:
            href, _fragment = urldefrag(href)
            parts = urlsplit(href)
            if parts.scheme not in ("http", "https") or f"{parts.scheme}://{parts.netloc}" != self.origin:
                continue
            if parts.path.startswith(SKIPPED_PATH_PREFIXES):
                continue
            (downloads if is_download else pages).append(href)
        return pages, downloads

    def crawl(self) -> None:
        start = self.page.url
        queue = deque([(urldefrag(start)[0], "start page")])
        seen = {urldefrag(start)[0]}
        visited = 0
        while queue:
            url, how = queue.popleft()
            if visited >= MAX_PAGES_PER_CRAWL:
                checked = CheckedPage(self.role, self.language, url, how)
                checked.problems.append(
                    f"not checked: the crawl stops after {MAX_PAGES_PER_CRAWL} pages "
                    "(raise MAX_PAGES_PER_CRAWL or find the link that multiplies pages)"
                )
                self.pages.append(checked)
                break
            visited += 1
            self.document_url = url
            try:
                response = self.page.goto(url)
            except PlaywrightError as error:
                if "Download is starting" not in str(error):
                    raise
                self.check_download(url, how)  # an export or a calendar file: nothing to follow
                continue
            self.check(response, how)
            seen.add(urldefrag(self.page.url)[0])  # where a redirect ended up
            here = urlsplit(self.page.url)
            origin = f"link from {here.path}{'?' + here.query if here.query else ''}"
            pages, downloads = self.links()
            for link in pages:
                if link not in seen:
                    seen.add(link)
                    queue.append((link, origin))
            for link in downloads:  # files: checked at once, not counted as pages
                if link not in seen:
                    seen.add(link)
                    self.check_download(link, "download " + origin)

    def open(self, path: str, how: str, expected_status: int | None = None) -> CheckedPage:
        self.document_url = self.url(path)
        return self.check(self.page.goto(self.url(path)), f"opened directly: {how}", expected_status)

    def send_back(self, how: str, expect_errors: bool = True, form: str = "main form.form") -> CheckedPage:
        """Submit the main form of the page as filled and check the page that comes back."""
        self.document_url = self.page.url
        response = self.submit(f'{form} button[type="submit"]')
        checked = self.check(response, f"form: {how}", expected_status=200)
        if expect_errors:
            self.expect_field_errors(checked)
        return checked

    # --- forms with bad input, and pages no link leads to ---------------------------------------

    def extra_pages(self) -> None:
        getattr(self, f"_extra_{self.role}")()

    def _extra_anonymous(self) -> None:
        self.open("/sign-in", "sign-in page")
        self.page.fill('input[name="password"]', "wrong password")
        self.send_back("sign in with an empty email")
        self.open("/password/forgot", "forgot password")
        self.page.fill('input[name="email"]', "not an email address")
        self.send_back("forgot password with a malformed email")
        self.open(self.server.reset_password_path, "password reset link from an email")
        self.page.fill('input[name="password"]', "short")
        self.page.fill('input[name="confirm"]', "different")
        self.send_back("reset password with a short, mismatched password")
        self.open(self.server.invitation_path, "invitation link from an email")
        self.send_back("accept the invitation with no password")
        self.open("/password/reset/no-such-token", "expired or wrong reset link", expected_status=410)
        self.open("/no-such-page", "missing page", expected_status=404)
        self.open("/account", "a page that needs signing in")

    def _extra_admin(self) -> None:
        self.open("/manage/people/invite", "invite")
        self.send_back("invite with nothing filled in")
        self.open("/manage/areas/new", "new area")
        self.send_back("new area with nothing filled in")
        self.open("/manage/people/import", "import")
        self.page.set_input_files(
            'input[type="file"]',
            files=[
                {
                    "name": "people.csv",
                    "mimeType": "text/csv",
                    "buffer": b"email;name;area;sector;language\nnot-an-email;;Nowhere;arts;de\n",
                }
            ],
        )
        self.send_back("import a CSV file with a bad row", expect_errors=False)
        if not self.page.query_selector("#import-errors"):
            self.pages[-1].problems.append("the import of a bad file showed no list of errors")
        self.open("/manage/people/999999", "a person who does not exist", expected_status=404)
        self.open("/reports/matrix?sort=course:kaikukortti-basics&order=desc", "the matrix sorted by a course")

    def _extra_trainer(self) -> None:
        self.open("/account", "my account")
        self.page.fill('input[name="profile-name"]', "")
        self.send_back("save my details with an empty name")
        self.open("/manage/people", "an admin page", expected_status=403)

    def _extra_area_lead(self) -> None:
        self.open("/reports/national", "the national summary, for staff only", expected_status=403)
        self.open("/reports/matrix?status=in_progress&sector=culture", "the matrix filtered")

    def _extra_coordinator(self) -> None:
        self.open("/account", "my account")
        self.page.fill('input[name="password-password"]', "short")
        self.page.fill('input[name="password-confirm"]', "different")
        self.send_back(
            "change password with no current password and a short, mismatched new one",
            form='main form[action$="/account/password"]',
        )
        self.open("/courses/", "course catalogue")
        check_link = self.page.query_selector('main a[href*="/checks/"]')
        if check_link is None:  # the catalogue links courses; a course page links its checks
            course_link = self.page.query_selector('main a[href^="/courses/"]:not([href="/courses/"])')
            if course_link is not None:
                self.open(course_link.get_attribute("href"), "a course")
                check_link = self.page.query_selector('main a[href*="/checks/"]')
        if check_link is not None:
            self.open(check_link.get_attribute("href"), "a knowledge check")
            self.send_back("a knowledge check with no answers")


def run_nu_checker(tools, pages: list[CheckedPage]) -> None:
    """One run of the Nu HTML checker over every saved page; its errors go to their pages."""
    by_file = {page.html_file.resolve(): page for page in pages if page.html_file}
    if not by_file:
        return
    completed = subprocess.run(
        [tools.java, "-jar", str(tools.vnu_jar), "--errors-only", "--format", "json", "--stdout", *map(str, by_file)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        messages = json.loads(completed.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(
            f"The Nu HTML checker failed (exit {completed.returncode}):\n"
            f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}",
            pytrace=False,
        )
    for message in messages:
        url = message.get("url", "")
        path = Path(url.removeprefix("file:")).resolve() if url.startswith("file:") else None
        page = by_file.get(path)
        text = f"html {message.get('type')}, line {message.get('lastLine', '?')}: {message.get('message')}" + (
            f"\n    {message['extract'].strip()!r}" if message.get("extract") else ""
        )
        if page is None:
            pytest.fail(f"The Nu HTML checker reported on an unknown file: {url}: {text}", pytrace=False)
        page.problems.append(text + f"\n    (saved as {page.html_file})")


def report(pages: list[CheckedPage]) -> str:
    failing = [page for page in pages if page.problems]
    lines = [f"{len(failing)} of {len(pages)} checked pages have problems:"]
    for page in failing:
        lines.append("")
        lines.append(page.heading)
        for problem in page.problems:
            lines.append("  - " + problem.replace("\n", "\n    "))
    return "\n".join(lines)


@pytest.mark.browser
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_passes_accessibility_and_html_checks(role, browser, checker_tools, live_server, tmp_path):
    started = time.monotonic()
    pages: list[CheckedPage] = []
    for language in LANGUAGES:
        crawl = Crawl(browser, checker_tools, live_server, role, language, tmp_path, pages)
        try:
            crawl.start()
            crawl.crawl()
            crawl.extra_pages()
        finally:
            crawl.close()
    run_nu_checker(checker_tools, pages)

    crawled = sum(1 for page in pages if page.how == "start page" or page.how.startswith("link from"))
    paths = sorted({urlsplit(page.url).path for page in pages})
    print(
        f"\n{role}: {len(pages)} pages checked ({crawled} by crawling links) in "
        f"{time.monotonic() - started:.1f} s; paths: {' '.join(paths)}"
    )
    assert crawled >= 2 * len(LANGUAGES), f"the crawl found almost nothing: {[page.url for page in pages]}"
    if any(page.problems for page in pages):
        pytest.fail(report(pages), pytrace=False)
