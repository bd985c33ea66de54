"""Store the XSS corpus in every text field people can write, the way they write it: through the
app's forms over HTTP (tests/web.py, CSRF on), as the role that has the form. Course Markdown
goes through a course folder and the sync, as authors publish it. Only the accounts that act
are made directly (services), with their passwords. A form read once is submitted again with
new values (`send`) rather than read from its page before each record, which is what keeps this
fast enough to run twice in `make test`.

Each field gets every payload: a Markdown or long text takes all of them at once (or, where
one page shows every record, a share each), a short field takes them a few at a time (within
its length limit) over as many records as that needs.
"""

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from kaiku_training.accounts.models import Role, User
from kaiku_training.curriculum.loader import load_tree
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events.models import TrainingSession
from kaiku_training.extensions import db
from kaiku_training.meetings.models import MeetingEdition
from kaiku_training.outbox.models import OutboxMessage
from tests.factories import PASSWORD, make_area, make_user
from tests.security.xss_corpus import FIRST_FORMULA, Field, Fields
from tests.web import Browser, Form

YEAR = date.today().year + 2  # the meeting, in the future so that registration is open
DAY = date(YEAR, 5, 12)
SESSION_DAY = date.today() + timedelta(days=60)
ADMIN, TRAINER, LEAD = "admin@example.org", "trainer@example.org", "lead@example.org"
COURSE_KEY = "hostile-course"


@dataclass
class HostileData:
    fields: Fields
    guest_links: list[str] = field(default_factory=list)  # the manage links guests got by email
    course_refused: list[str] = field(default_factory=list)  # course payloads the sync refused
    session_ids: list[int] = field(default_factory=list)
    url_fields_refused: list[str] = field(default_factory=list)  # link payloads a form refused
    outbox_paths: list[str] = field(default_factory=list)  # an organiser's message, in the outbox
    seconds_to_store: float = 0.0


def signed_in(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    page = browser.get("/sign-in")
    page.form("/sign-in", button="").fill(email=email, password=PASSWORD).submit()
    language = browser.get("/").form("/language", button="English")
    browser.csrf_token = language.values["csrf_token"]  # for forms read in another person's browser
    language.submit()
    return browser


def send(form: Form, action: str | None = None):
    """Submit a form read once from its page, again and again with new values, without reading the
    page each time (the CSRF token is the browser session's); the redirect is not followed.
    True when the form took the values (a redirect or, for guests, the check-your-email page)."""
    data = MultiDict()
    for name, value in form.values.items(multi=True):
        data.add(name, (BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value)
    files = any(isinstance(value, tuple) for value in form.values.values())
    response = form.page.browser.client.post(
        action or form.action, data=data, follow_redirects=False, content_type="multipart/form-data" if files else None
    )
    assert response.status_code in (200, 302), f"{action or form.action}: HTTP {response.status_code}"
    return response.status_code == 302 or b'class="error"' not in response.data


def put(form: Form, **values) -> Form:
    """Form.fill without checking each choice against the page again (slow on a page with hundreds
    of options): for choices already read from the form."""
    for name, value in values.items():
        form.values.setlist(name, value if isinstance(value, list) else [value])
    return form


def _per_language(prefix: str, text: str) -> dict:
    return {f"{prefix}_{locale}": text for locale in ("fi", "sv", "en")}


def _records(*fields: Field) -> int:
    return max(len(one.chunks()) for one in fields)


def store_everything(app, courses_dir: Path) -> HostileData:
    """Every payload in every field; returns what the checks need to know."""
    data = HostileData(Fields())
    home = make_area("Kotikunta", name_sv="Hemkommun", name_en="Home municipality")
    make_user(ADMIN, roles=[Role.ADMIN], name="Aino Admin")
    make_user(TRAINER, roles=[Role.TRAINER], name="Tiina Trainer")
    make_user(LEAD, roles=[Role.COORDINATOR, Role.AREA_LEAD], name="Leena Lead", area=home)
    admin, trainer = signed_in(app, ADMIN), signed_in(app, TRAINER)
    _course(data, courses_dir)
    _areas(data, admin)
    _people(data, admin, home)
    registrants = _registrants(data, app, home)
    _sessions(data, trainer, registrants, app)
    _meeting(data, admin, registrants, app)
    return data


# --- course Markdown, through a course folder and the sync -------------------------------------------


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _course(data: HostileData, courses_dir: Path) -> None:
    title = data.fields.add("course title", multiline=False, lead=FIRST_FORMULA)  # a report's column heading
    summary, module = (data.fields.add(name, multiline=False) for name in ("course summary", "module title"))
    lesson_title = data.fields.add("lesson title (front matter)", max_length=300, multiline=False)
    body = data.fields.add("lesson Markdown", markdown=True)
    question, explanation, option = (
        data.fields.add(name, multiline=False) for name in ("check question", "check explanation", "check option")
    )
    accepted = _accepted_by_sync(body, courses_dir.parent / "probe", data)
    lessons = [f"lesson-{number}" for number in range(len(lesson_title.chunks()))]
    folder = courses_dir / COURSE_KEY
    (folder / "lessons").mkdir(parents=True)
    (folder / "checks").mkdir()
    for number, key in enumerate(lessons):
        text = f"---\ntitle: {lesson_title.value(number)}\n---\n" + "\n\n".join(accepted)
        (folder / "lessons" / f"{key}.en.md").write_text(text, encoding="utf-8")
    (folder / "course.toml").write_text(
        f'order = 1\nestimated_minutes = 5\nrenewal_months = 0\naudience = ["coordinator"]\n'
        f"[title]\nen = {_toml_string(title.whole())}\n[summary]\nen = {_toml_string(summary.whole())}\n"
        f'[[modules]]\nkey = "m"\ntitle = {{ en = {_toml_string(module.whole())} }}\n'
        f'lessons = {json.dumps(lessons)}\ncheck = "m"\n',
        encoding="utf-8",
    )
    options = ",\n".join(
        f'  {{ key = "o{number}", text = {{ en = {_toml_string(text)} }}{", correct = true" if number == 0 else ""} }}'
        for number, text in enumerate(option.chunks())
    )
    (folder / "checks" / "m.toml").write_text(
        f'pass_mark = 100\n[[questions]]\nkey = "q"\nkind = "single"\n'
        f"text = {{ en = {_toml_string(question.whole())} }}\n"
        f"explanation = {{ en = {_toml_string(explanation.whole())} }}\noptions = [\n{options}\n]\n",
        encoding="utf-8",
    )
    report = sync_courses(courses_dir)
    assert not report.errors, "\n".join(map(str, report.errors))


def _accepted_by_sync(body: Field, probe_root: Path, data: HostileData) -> list[str]:
    """The Markdown payloads the sync takes: it refuses, naming the file and line, a link or an
    image to nowhere or an image without a description, and that is a safe answer too."""
    folder = probe_root / "probe"
    (folder / "lessons").mkdir(parents=True)
    payloads = body.payloads()
    for number, text in enumerate(payloads):
        (folder / "lessons" / f"p{number}.en.md").write_text(f"# Probe\n\n{text}\n", encoding="utf-8")
    (folder / "course.toml").write_text(
        'audience = ["coordinator"]\n[title]\nen = "Probe"\n[summary]\nen = "Probe"\n[[modules]]\n'
        f'key = "m"\ntitle = {{ en = "M" }}\nlessons = {json.dumps([f"p{n}" for n in range(len(payloads))])}\n',
        encoding="utf-8",
    )
    refused = {
        match.group(1)
        for problem in load_tree(probe_root).errors
        if (match := re.search(r"/p(\d+)\.en\.md", problem.path))
    }
    data.course_refused = [payloads[int(number)] for number in sorted(refused, key=int)]
    return [text for number, text in enumerate(payloads) if str(number) not in refused]


# --- accounts: areas, invitations, the CSV import, people's own names ----------------------------------


def _areas(data: HostileData, admin: Browser) -> None:
    name = data.fields.add("area name", multiline=False)
    form = admin.get("/manage/areas/new").form("/manage/areas/new", button="")
    form.fill(kind="municipality", status="permanent", permanent_since="2024-01-01")
    for number in range(len(name.chunks())):
        assert send(form.fill(**{f"name_{locale}": name.value(number) for locale in ("fi", "sv", "en")}))


def _people(data: HostileData, admin: Browser, home) -> None:
    invited = data.fields.add("person name (admin's invitation)", multiline=False)
    form = admin.get("/manage/people/invite").form("/manage/people/invite", button="")
    form.fill(area_id=str(home.id)).check("roles", "Coordinator")
    for number in range(len(invited.chunks())):
        assert send(form.fill(name=invited.value(number), email=f"invited{number}@example.org"))
    imported = data.fields.add("person name (CSV import)", multiline=False)
    rows = "".join(
        f'imported{number}@example.org;"{imported.value(number).replace(chr(34), chr(34) * 2)}";Kotikunta;;en\n'
        for number in range(len(imported.chunks()))
    )
    form = admin.get("/manage/people/import").form("/manage/people/import", button="")
    page = form.fill(file=(f"email;name;area;sector;language\n{rows}".encode(), "people.csv")).submit()
    assert not page.soup.select("#import-errors"), page.text[:2000]


def _registrants(data: HostileData, app, home) -> list[Browser]:
    """People who sign in and write their own name on My account; they register for everything."""
    name = data.fields.add("own name (My account)", multiline=False)
    password_hash = db.session.scalar(select(User.password_hash).where(User.email == ADMIN))  # hashing is slow
    browsers = []
    for number in range(len(name.chunks())):
        email = f"registrant{number}@example.org"
        make_user(email, name=f"Registrant {number}", area=home, password=None).password_hash = password_hash
        db.session.commit()
        browser = signed_in(app, email)
        assert send(
            browser.get("/account").form("/account", button="Save").fill(**{"profile-name": name.value(number)})
        )
        browsers.append(browser)
    return browsers


# --- live sessions: the trainer's form, guests, messages ---------------------------------------------


def _sessions(data: HostileData, trainer: Browser, registrants: list[Browser], app) -> None:
    fields = data.fields
    title = fields.add("session title", multiline=False)
    description = fields.add("session description (Markdown)", markdown=True)
    instructions = fields.add("joining instructions")
    meeting_url = fields.add("meeting link", url=True)
    guest_name = fields.add("guest name", multiline=False, links_refused=True)
    organisation, guest_area = (
        fields.add(name, multiline=False, pages_show_all=False, links_refused=True)
        for name in ("guest organisation", "guest area")
    )  # on the roster download only
    # The email's subject is "<subject> – <session title>" in a column of 300 characters: a longer
    # one fails on PostgreSQL until subjects are capped when queued (issue 10, fix 2).
    subject = fields.add("message subject", max_length=90, multiline=False, pages_show_all=False)
    body = fields.add("message body", pages_show_all=False)
    urls = meeting_url.payloads()
    records = _records(title, guest_name, organisation, guest_area)
    form = trainer.get("/manage/sessions/new").form("/manage/sessions/new", button="")
    form.fill(day=SESSION_DAY.isoformat(), start_time="10:00", end_time="12:00", capacity="50")
    form.check("open_to_guests", "anyone")
    for number in range(records):
        form.fill(
            **_per_language("title", title.value(number)),
            **_per_language("description", description.whole()),
            **_per_language("instructions", instructions.whole()),
            meeting_url=urls[number % len(urls)],
        )
        if not send(form):  # the link was refused: schedule the session with a plain one
            data.url_fields_refused.append(urls[number % len(urls)])
            assert send(form.fill(meeting_url="https://meet.example.org/plain"))
    data.session_ids = list(
        db.session.scalars(
            select(TrainingSession.id).where(TrainingSession.kind == "session").order_by(TrainingSession.id)
        )
    )
    register = registrants[0].get(f"/sessions/{data.session_ids[0]}").form(f"/sessions/{data.session_ids[0]}/register")
    message = trainer.get(f"/manage/sessions/{data.session_ids[0]}").form(
        f"/manage/sessions/{data.session_ids[0]}/message"
    )
    guest = _guest_form(app, f"/sessions/{data.session_ids[0]}", f"/sessions/{data.session_ids[0]}/guest")
    for number, session_id in enumerate(data.session_ids):
        assert send(_with_csrf(register, registrants[number % len(registrants)]), f"/sessions/{session_id}/register")
        _guest(data, guest, f"/sessions/{session_id}/guest", number, guest_name, organisation, guest_area)
    messages = len(subject.chunks())
    for number in range(messages):  # the subjects are short: some sessions get two messages
        assert send(
            message.fill(subject=subject.value(number), body=body.share(number, messages)),
            f"/manage/sessions/{data.session_ids[number % len(data.session_ids)]}/message",
        )
    first = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.subject.startswith(subject.value(0), autoescape=True))
    ).first()
    data.outbox_paths = [f"/manage/outbox/{first}"]


def _with_csrf(form: Form, browser: Browser) -> Form:
    """The same form in another person's browser, with their session's CSRF token."""
    form.values["csrf_token"] = browser.csrf_token
    form.page = replace(form.page, browser=browser)
    return form


def _guest_form(app, page_path: str, action: str) -> Form:
    guest = Browser(app.test_client())
    guest.get("/").form("/language", button="English").submit()
    return guest.get(page_path).form(action)


def _guest(
    data: HostileData, form: Form, action: str, number: int, name: Field, organisation: Field, area: Field
) -> None:
    """A guest registers through the public form and confirms with the link of the email."""
    email = f"guest{len(data.guest_links)}@example.org"
    assert send(
        form.fill(
            name=name.value(number), email=email, organisation=organisation.value(number), area=area.value(number)
        ),
        action,
    )
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())
    ).first()
    confirm = re.search(r"https?://[^/\s]+(/registrations/confirm/\S+)", message.body_text).group(1)
    confirmed = form.page.browser.client.get(confirm, follow_redirects=False)
    assert confirmed.status_code == 302, f"{confirm}: HTTP {confirmed.status_code}"
    data.guest_links.append(urlsplit(confirmed.location).path)


# --- the annual meeting: the edition, programme, questions, answers, materials --------------------------


def _meeting(data: HostileData, admin: Browser, registrants: list[Browser], app) -> None:
    fields = data.fields
    title = fields.add("meeting title", multiline=False)
    description = fields.add("meeting description (Markdown)", markdown=True)
    instructions = fields.add("meeting joining instructions")
    records = len(title.chunks())
    form = admin.get("/manage/meetings/new").form("/manage/meetings/new", button="")
    form.fill(start_time="09:00", end_time="15:00", meeting_url="https://meet.example.org/annual")
    form.check("open_to_guests", "guests")
    for number in range(records):  # one edition a title; the first has everything else
        assert send(
            form.fill(
                year=str(YEAR + number),
                **_per_language("title", title.value(number)),
                **_per_language("description", description.whole()),
                **_per_language("instructions", instructions.whole()),
                day=DAY.replace(year=YEAR + number).isoformat(),
            )
        )
    base = f"/manage/meetings/{YEAR}"
    _programme(data, admin, base)
    keys = _questions(data, admin, base)
    _meeting_registrations(data, registrants, app, keys)
    _materials(data, admin, base)
    _feedback(data, registrants, keys)


def _programme(data: HostileData, admin: Browser, base: str) -> None:
    fields = data.fields
    title = fields.add("programme item title", multiline=False)
    description = fields.add("programme item description (Markdown)", markdown=True)
    track = fields.add("programme item track", max_length=100, multiline=False)
    speakers = fields.add("programme item speakers", max_length=300, multiline=False)
    records = _records(title, track, speakers)
    form = admin.get(f"{base}/programme").form(f"{base}/programme", button="Save").fill(day=DAY.isoformat())
    for number in range(records):
        assert send(
            form.fill(
                **_per_language("title", title.value(number)),
                **_per_language("description", description.share(number, records)),
                track=track.value(number),
                speakers=speakers.value(number),
                start_time=f"{9 + number % 6:02d}:00",
                end_time=f"{9 + number % 6:02d}:45",
            )
        )


def _questions(data: HostileData, admin: Browser, base: str) -> dict:
    """Registration questions of each kind and a feedback question; choice options one payload a
    line (a | would split an option into its languages)."""
    fields = data.fields
    label = fields.add("question label", multiline=False)
    option = fields.add("question option", multiline=False)
    options = "\n".join(text.replace("|", "/") for text in option.payloads())
    kinds = ["single", "multiple", "short_text", "long_text", "consent"]
    form = admin.get(f"{base}/questions").form(f"{base}/questions", button="Save")
    records = len(label.chunks())
    for number in range(records):
        kind = kinds[number % len(kinds)] if number < records - 1 else "long_text"
        assert send(
            form.fill(
                form="feedback" if number == records - 1 else "registration",
                kind=kind,
                **_per_language("label", label.value(number)),
                options=options if kind in ("single", "multiple") else "",
            )
        )
    edition = db.session.scalar(select(MeetingEdition).where(MeetingEdition.year == YEAR))
    db.session.refresh(edition)
    return {
        question.kind + ("-feedback" if question.form == "feedback" else ""): question.key
        for question in edition.questions
    }


def _meeting_registrations(data: HostileData, registrants: list[Browser], app, keys: dict) -> None:
    fields = data.fields
    short, long = (
        fields.add("short answer", multiline=False, pages_show_all=False),
        fields.add("long answer", pages_show_all=False),
    )
    guest_name, organisation, guest_area = (
        fields.add(f"meeting {name}", multiline=False, links_refused=True)
        for name in ("guest name", "guest organisation", "guest area")
    )
    edition = f"/meetings/{YEAR}"
    form = registrants[0].get(edition).form(f"{edition}/register")
    single, multiple = ([value for value, _label in form.options(f"q-{keys[kind]}")] for kind in ("single", "multiple"))
    for number, browser in enumerate(registrants):
        assert send(
            put(
                _with_csrf(form, browser),
                **{
                    f"q-{keys['single']}": single[number % len(single)],
                    f"q-{keys['multiple']}": multiple[number :: len(registrants)],
                    f"q-{keys['short_text']}": short.value(number),
                    f"q-{keys['long_text']}": long.share(number, len(registrants)),
                    f"q-{keys['consent']}": "yes",
                },
            )
        )
    guest = _guest_form(app, edition, f"{edition}/guest")
    for number in range(_records(guest_name, organisation, guest_area)):
        put(guest, **{f"q-{keys['short_text']}": short.value(number)})
        _guest(data, guest, f"{edition}/guest", number, guest_name, organisation, guest_area)


def _materials(data: HostileData, admin: Browser, base: str) -> None:
    fields = data.fields
    title = fields.add("material title", max_length=300, multiline=False)
    link = fields.add("material link", url=True)
    file_name = fields.add("material file name", max_length=150, multiline=False)
    recording = fields.add("recording link", url=True)
    links = link.payloads()
    form = admin.get(f"{base}/after").form(f"{base}/after", button="Add")
    for number in range(max(len(title.chunks()), len(links))):
        if not send(form.fill(**{"material-title": title.value(number), "material-url": links[number % len(links)]})):
            data.url_fields_refused.append(links[number % len(links)])
            assert send(form.fill(**{"material-url": "https://files.example.org/plain"}))
    for number in range(len(file_name.chunks())):
        form.fill(
            **{
                "material-title": f"File {number}",
                "material-url": "",
                "material-file": (b"%PDF-1.4 x", _as_browsers_send_it(file_name.value(number))),
            }
        )
        assert send(form), file_name.value(number)
    form = admin.get(f"{base}/after").form(f"{base}/after", button="Save").check("recording-feedback_open", "open")
    for url in ["https://video.example.org/recording", *recording.payloads()]:  # the last one taken stays
        if not send(form.fill(**{"recording-recording_url": url})):
            data.url_fields_refused.append(url)


def _as_browsers_send_it(file_name: str) -> str:
    """A file name as Chromium puts it in a form: no "/" (a file name has none), quotes encoded."""
    return file_name.replace("/", "").replace('"', "%22") + ".pdf"


def _feedback(data: HostileData, registrants: list[Browser], keys: dict) -> None:
    answer = data.fields.add("feedback answer", pages_show_all=False)
    path = f"/meetings/{YEAR}/feedback"
    form = registrants[0].get(path).form(path)
    for number, browser in enumerate(registrants):
        assert send(
            _with_csrf(form, browser).fill(
                **{f"q-{keys['long_text-feedback']}": answer.share(number, len(registrants))}
            )
        )
