"""Malformed input, property-based (hypothesis): every form each role is shown and every query
parameter the app reads get generated values (NUL and control characters, huge numbers,
unicode, very long texts, odd file names). No answer is a 5xx, and a refused submission leaves
every stored row as it was.

The forms and pages are found by crawling the site as each role (links followed, forms read out
of the HTML); the query parameters are read out of the source (every `request.args.get("…")` and
report filter). CSRF is off here: its own tests cover it. Figures: `pytest -s` prints them.
"""

import io
import re
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import kaiku_training as app_package
from kaiku_training.accounts.models import Role
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events import registrations
from kaiku_training.events.links import manage_url
from kaiku_training.events.registrations import confirm_guest, register_person
from kaiku_training.extensions import db
from kaiku_training.meetings import services as meetings
from tests.conftest import test_settings
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import PASSWORD, make_area, make_user
from tests.meetings.factories import make_meeting, register_guest

EXAMPLES = 150  # per test: forms and query strings each
PAGES_PER_ROLE = 80
SITE = "http://127.0.0.1:5000"
NOT_CRAWLED = re.compile(r"^/(static/|sign-out|join/)|\.(ics|csv|xlsx|json|svg)(\?|$)")
NOT_SUBMITTED = ("/sign-out", "/account/sign-out-everywhere")  # would end the session the next examples need

SOURCE_PARAMETER = re.compile(r"""(?:request\.args\.get|_choice)\(\s*["'](\w+)["']""")
QUERY_PARAMETERS = sorted(
    {
        name
        for path in Path(app_package.__file__).parent.rglob("*.py")
        for name in SOURCE_PARAMETER.findall(path.read_text())
    }
)

WORST_VALUES = ["9" * 40, "a\x00b", "é" * 3000]  # past any integer column, a NUL, over every length limit
ODD_VALUES = [
    "",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "2147483648",
    "9" * 40,
    "-" + "9" * 40,
    "1e309",
    "NaN",
    "abc",
    "|||",
    "\r\n",
    "a\nb",
    " ",
    "../../etc/passwd",
    "%00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "2027-02-30",
    "25:61",
    "9999-12-31",
    "0000-01-01",
    "true",
    "\u202e",
    "\ud7ff\ufeff",
]
TEXT = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=40),  # any code point but surrogates: NUL, control characters, unicode
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.builds(
        lambda text, times: (text or "x") * times,
        st.text(min_size=1, max_size=3),
        st.integers(min_value=100, max_value=4000),
    ),  # very long
)
FORM_TEXT = st.tuples(TEXT, st.booleans()).map(lambda pair: pair[0] + "\x00" if pair[1] else pair[0])  # half with a NUL
FILE_NAME = st.one_of(
    st.sampled_from(["a.pdf", "a.exe", ".pdf", "", "a\x00.pdf", "C:\\x\\a.txt", "../a.txt"]),
    st.builds(lambda stem, ext: stem + ext, TEXT, st.sampled_from(["", ".pdf", ".PDF", ".csv"])),
)
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class FoundForm:
    role: str
    page: str
    action: str
    multipart: bool
    fields: tuple  # ((name, kind, value), ...) as the page has them filled in

    def defaults(self) -> dict:
        data = {}
        for name, kind, value in self.fields:
            if kind == "file":
                data[name] = (io.BytesIO(b"%PDF-1.4 x"), "a.pdf")
            elif value is not None:
                data.setdefault(name, []).append(value)
        return data


@pytest.fixture
def app_settings(database_url, smtp_port, courses_dir):
    return test_settings(database_url, smtp_port, COURSES_DIR=str(courses_dir), RATELIMIT_ENABLED=False)


def _world(app, courses_dir):
    """Something of everything, so that every page has its forms: people of each role, a course,
    a session open to guests with a guest and a coordinator, a meeting with its questions."""
    area = make_area("Esimerkkikunta")
    people = {
        "admin": make_user("admin@example.org", roles=[Role.ADMIN], area=area),
        "trainer": make_user("trainer@example.org", roles=[Role.TRAINER]),
        "coordinator": make_user("coordinator@example.org", roles=[Role.COORDINATOR, Role.AREA_LEAD], area=area),
    }
    write_course(courses_dir)
    assert not sync_courses(courses_dir).errors
    session = make_session(open_to_guests=True, starts_at=utcnow() + timedelta(days=30))
    register_person(session, people["coordinator"], "fi")
    guest = registrations.register_guest(
        session, name="Vieras", email="vieras@example.org", organisation="", area="", locale="fi"
    )
    confirm_guest(guest)
    edition, _items, questions = make_meeting(year=utcnow().year + 1, starts_at=utcnow() + timedelta(days=60))
    meetings.register(edition, people["coordinator"], "fi", {questions["diet"]: "o0"})
    meeting_guest = register_guest(edition, "Toinen", "toinen@example.org", answers={})
    seeds = {
        "anonymous": [
            "/",
            "/sign-in",
            "/password/forgot",
            f"/sessions/{session.id}",
            f"/meetings/{edition.year}",
            manage_url(guest).removeprefix(SITE),
            manage_url(meeting_guest).removeprefix(SITE),
        ],
        "coordinator": ["/", "/account", "/calendar/", f"/meetings/{edition.year}", "/courses/test-course"],
        "trainer": ["/", "/manage/sessions/", f"/manage/sessions/{session.id}"],
        "admin": [
            "/",
            "/manage/people",
            f"/manage/people/{people['coordinator'].id}",
            "/manage/meetings/",
            "/manage/assignments",
            "/reports/",
        ],
    }
    return people, seeds


def _signed_in(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        assert client.post("/sign-in", data={"email": f"{role}@example.org", "password": PASSWORD}).status_code == 302
    return client


def _form_of(role: str, page: str, tag) -> FoundForm | None:
    if (tag.get("method") or "get").lower() != "post":
        return None
    action = urlsplit(tag.get("action") or page)
    action = action.path + (f"?{action.query}" if action.query else "") if action.path else page
    fields = []
    for element in tag.find_all(["input", "textarea", "select"]):
        name, kind = element.get("name"), (element.get("type") or element.name).lower()
        if not name or kind in ("submit", "button", "reset", "image"):
            continue
        if element.name == "select":
            chosen = element.find("option", selected=True) or element.find("option")
            value = chosen.get("value", chosen.get_text()) if chosen else ""
        elif element.name == "textarea":
            value = element.get_text()
        elif kind in ("checkbox", "radio"):
            value = element.get("value", "on") if element.has_attr("checked") else None
        else:
            value = element.get("value", "")
        fields.append((name, kind, value))
    for button in tag.find_all("button", attrs={"name": True}):
        fields.append((button["name"], "button", button.get("value", "")))
    multipart = (tag.get("enctype") or "").lower() == "multipart/form-data"
    return FoundForm(role, page, action, multipart, tuple(fields))


def _crawl(client, role: str, seeds: list[str]) -> tuple[list[str], list[FoundForm]]:
    """One page of each kind reachable by links from `seeds` (up to PAGES_PER_ROLE; the first
    found of each route, so the seeds decide whose page it is) and the forms they show."""
    queue, seen, pages, forms = deque(seeds), {_pattern(seed) for seed in seeds}, [], {}
    while queue and len(pages) < PAGES_PER_ROLE:
        path = queue.popleft()
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        pages.append(path)
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        for link in soup.find_all("a", href=True):
            parts = urlsplit(link["href"])
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if (
                not parts.scheme
                and parts.path.startswith("/")
                and not NOT_CRAWLED.search(target)
                and _pattern(target) not in seen
            ):
                seen.add(_pattern(target))
                queue.append(target)
        for tag in soup.find_all("form"):
            form = _form_of(role, path, tag)
            if form is not None and not form.action.startswith(NOT_SUBMITTED):
                forms.setdefault((_pattern(form.action), tuple(name for name, _kind, _value in form.fields)), form)
    return pages, list(forms.values())


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


def _snapshot() -> dict:
    db.session.expire_all()
    return {
        table.name: sorted(map(repr, db.session.execute(select(table)).all())) for table in db.metadata.sorted_tables
    }


def _refused(response) -> bool:
    """The answer says no: an error status, or the form again with a message at a field."""
    if response.status_code >= 400:
        return True
    return response.status_code == 200 and (
        'class="error"' in (page := response.get_data(as_text=True)) or 'class="error-summary"' in page
    )


@pytest.fixture
def site(app, courses_dir):
    people, seeds = _world(app, courses_dir)
    clients = {role: _signed_in(app, role) for role in seeds}
    found = {role: _crawl(clients[role], role, role_seeds) for role, role_seeds in seeds.items()}
    pages = [(role, page) for role, (role_pages, _forms) in found.items() for page in role_pages]
    forms = [form for _pages, role_forms in found.values() for form in role_forms]
    print(
        f"\nmalformed input: {len(pages)} pages and {len(forms)} forms found as "
        f"{', '.join(f'{role} ({len(p)} pages, {len(f)} forms)' for role, (p, f) in found.items())}; "
        f"{len(QUERY_PARAMETERS)} query parameters: {', '.join(QUERY_PARAMETERS)}"
    )
    return clients, pages, forms


@HYPOTHESIS
@given(data=st.data())
def test_no_form_answers_5xx_and_a_refused_one_changes_nothing(site, data):
    clients, _pages, forms = site
    form = data.draw(st.sampled_from(forms), label="form")
    kinds = {name: kind for name, kind, _value in form.fields if kind != "button"}
    values = form.defaults()  # as the page fills it in, so that one odd value is not hidden by others
    for name in (
        data.draw(st.lists(st.sampled_from(sorted(kinds)), max_size=3, unique=True), label="fields") if kinds else ()
    ):
        values[name] = data.draw(
            st.tuples(st.binary(max_size=64).map(io.BytesIO), FILE_NAME) if kinds[name] == "file" else FORM_TEXT,
            label=name,
        )
    before = _snapshot()
    response = clients[form.role].post(
        form.action, data=values, content_type="multipart/form-data" if form.multipart else None
    )
    assert response.status_code < 500, (form.role, form.action)
    refused = _refused(response)
    event(f"{form.role} {_pattern(form.action)}: {'refused' if refused else 'accepted'}")
    if refused:
        assert _snapshot() == before, (form.role, form.action, response.status_code)


def test_no_query_string_answers_5xx(site):
    """Every page found gets every parameter at its worst, all at once, then random mixes."""
    clients, pages, forms = site
    roles = {form.role for form in forms}
    actions = {_pattern(form.action) for form in forms}
    assert roles == {"anonymous", "coordinator", "trainer", "admin"}
    assert {
        "/sign-in",
        "/password/forgot",
        "/sessions/N/guest",
        "/account",
        "/calendar/",
        "/manage/sessions/new",
        "/manage/people/invite",
        "/manage/areas/new",
        "/manage/meetings/N/questions",
        "/manage/meetings/N/after",
        "/manage/assignments",
        "/meetings/N/answers",
    } <= actions, actions
    assert len(forms) >= 40 and len(pages) >= 60 and len(QUERY_PARAMETERS) >= 15
    for role, page in pages:
        for value in WORST_VALUES:
            response = clients[role].get(page.split("?")[0], query_string=dict.fromkeys(QUERY_PARAMETERS, value))
            assert response.status_code < 500, (role, page, value)

    @HYPOTHESIS
    @given(data=st.data())
    def random_query_strings(data):
        role, page = data.draw(st.sampled_from(pages), label="page")
        parameters = data.draw(st.fixed_dictionaries({}, optional=dict.fromkeys(QUERY_PARAMETERS, TEXT)), label="query")
        response = clients[role].get(page.split("?")[0], query_string=parameters)
        assert response.status_code < 500, (role, page, parameters)
        event(f"{role} {_pattern(page)}: {response.status_code}")

    random_query_strings()
