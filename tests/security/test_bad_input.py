"""Input that used to answer 500: huge numbers in paths and query strings, a `year` in the query
string of the registrations page, NUL bytes and over-long texts (PostgreSQL refuses both), an
option line of separators only, a newline in a session title. Each gets a page, never a 500, and
a refused form keeps what is stored."""

import re

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, PasswordField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import kaiku_training as app_package
from kaiku_training.accounts.models import Role, User
from kaiku_training.events.models import Registration
from kaiku_training.extensions import db
from kaiku_training.meetings.models import Material, MeetingQuestion
from tests.calendars import parse_both
from tests.events.conftest import make_session
from tests.factories import make_user
from tests.meetings.factories import make_meeting, register_guest

HUGE = "99999999999999999999"


@pytest.fixture
def admin(app, auth):
    person = make_user("admin@example.org", name="Anna Admin", roles=[Role.ADMIN, Role.TRAINER])
    auth.sign_in("admin@example.org")
    return person


def _get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "core.static":
            yield rule


def test_huge_numbers_in_paths_are_not_found(client, app, admin):
    make_session()
    make_meeting()
    tried = 0
    for rule in _get_rules(app):
        numbers = [name for name, converter in rule._converters.items() if converter.regex == r"\d+"]
        if not numbers:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(\w+:)?{name}>", HUGE if name in numbers else "x", path)
        assert client.get(path).status_code == 404, path
        tried += 1
    assert tried >= 20


@pytest.mark.parametrize(
    "path", ["/manage/people", "/manage/outbox/", "/manage/audit/", "/manage/sessions/", "/reports/matrix"]
)
def test_a_huge_page_number_is_not_found(client, admin, path):
    assert client.get(f"{path}?page={10**30}").status_code == 404
    assert client.get(f"{path}?page=-{10**30}").status_code == 404
    assert client.get(f"{path}?page=abc").status_code == 200  # the first page


@pytest.mark.parametrize("query", [f"area={HUGE}", f"year={HUGE}", f"round={HUGE}", f"area=-{HUGE}"])
def test_huge_numbers_in_filters_are_ignored(client, admin, query):
    for path in ("/manage/people", "/reports/matrix", "/reports/areas", "/reports/national"):
        assert client.get(f"{path}?{query}").status_code == 200, path


def test_huge_numbers_in_submitted_choices_are_ignored(client, app, admin):
    edition, _items, _questions = make_meeting()
    session = make_session()
    assert client.post(f"/manage/sessions/{session.id}", data={"bulk": "attended", "selected": HUGE}).status_code < 500
    assert client.post(f"/manage/sessions/{session.id}", data={f"attendance-{HUGE}": "attended"}).status_code < 500
    assert client.post("/calendar/", data={"action": "alarm", "alarm_minutes": HUGE}).status_code < 500
    assert client.post("/meetings/2027/agenda", data={"item": HUGE}).status_code < 500


def test_a_year_in_the_query_string_of_the_registrations_page(client, admin):
    make_meeting()
    assert client.get("/manage/meetings/2027/registrations?year=1999&status=confirmed").status_code == 200
    response = client.post(
        "/manage/meetings/2027/registrations/message?year=1999",
        data={"subject": "Tervetuloa", "body": "Nähdään", "confirmed": "yes"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/manage/meetings/2027/registrations")


def test_nul_bytes_are_taken_out_of_every_parameter(client, app, admin):
    """PostgreSQL refuses NUL in any text; a browser never sends one where a person typed."""
    for path in (
        "/manage/people?q=a%00b",
        "/manage/audit/?actor=a%00b&action=x%00",
        "/manage/outbox/?status=%00",
        "/reports/course?course=a%00",
        "/courses/?audience=%00",
        "/manage/meetings/2027/registrations?area=%00",
    ):
        assert client.get(path).status_code < 500, path
    response = client.post(
        f"/manage/people/{admin.id}",
        data={"name": "Anna\x00 Admin", "roles": ["admin", "trainer"], "area_id": "0", "sector": "", "locale": "fi"},
    )
    assert response.status_code == 302
    assert db.session.get(User, admin.id).name == "Anna Admin"


def test_nul_bytes_in_path_segments_are_not_found(client, admin):
    for path in (
        "/courses/a%00b",
        "/calendar/courses/a%00b.ics",
        "/registrations/a%00b",
        "/join/%00",
        "/calendar/feed/%00.ics",
        "/password/reset/%00",
    ):
        assert client.get(path).status_code == 404, path


def test_over_long_texts_are_refused_next_to_the_field_and_nothing_changes(client, app, admin):
    make_meeting()
    response = client.post(
        "/manage/meetings/2027/after",
        data={"action": "recording", "recording-recording_url": "https://example.org/" + "a" * 600},
    )
    assert response.status_code == 200 and 'id="recording-recording_url-error"' in response.get_data(as_text=True)
    response = client.post(
        "/manage/meetings/2027/after",
        data={
            "action": "material",
            "material-title": "Linkki",
            "material-item_id": "0",
            "material-url": "https://example.org/" + "a" * 600,
        },
    )
    assert response.status_code == 200 and 'id="material-url-error"' in response.get_data(as_text=True)
    assert db.session.query(Material).count() == 0


def test_a_guest_registering_with_over_long_or_nul_texts(client, app):
    session = make_session(open_to_guests=True)
    response = client.post(
        f"/sessions/{session.id}/guest",
        data={"name": "Vieras\x00", "email": "a" * 250 + "@example.org", "organisation": "o" * 201},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="email-error"' in page and 'id="organisation-error"' in page
    assert db.session.query(Registration).count() == 0


def test_an_option_line_of_separators_only_is_refused_and_the_export_keeps_working(client, app, admin):
    edition, _items, _questions = make_meeting()
    register_guest(edition, "Vieras", "vieras@example.org", answers={})
    before = db.session.scalars(select(MeetingQuestion.options)).all()
    response = client.post(
        "/manage/meetings/2027/questions",
        data={"form": "registration", "kind": "single", "label_fi": "Kumpi?", "options": "Kyllä\n|||\n  |  \nEi"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="options-error"' in page and "2" in page
    assert db.session.scalars(select(MeetingQuestion.options)).all() == before
    assert client.get("/manage/meetings/2027/registrations.csv").status_code == 200


def test_an_option_stored_without_any_text_does_not_break_the_export(client, app, admin):
    """Such options were stored before they were refused."""
    edition, _items, questions = make_meeting()
    register_guest(edition, "Vieras", "vieras@example.org", answers={questions["diet"]: "o0"})
    question = db.session.scalars(select(MeetingQuestion).where(MeetingQuestion.key == questions["diet"])).one()
    question.options = [{"key": "o0", "label": {}}, *question.options[1:]]
    db.session.commit()
    assert client.get("/manage/meetings/2027/registrations.csv").status_code == 200
    assert client.get("/manage/meetings/2027/registrations").status_code == 200


def test_a_newline_in_a_session_title_stays_inside_the_calendar_text(client, app):
    session = make_session(
        title={"fi": "Rivi\r\nDTSTART:20000101T000000Z\nX-INJECTED:1", "en": "Line\nbreak"}, open_to_guests=True
    )
    response = client.get(f"/sessions/{session.id}/event.ics")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "\nX-INJECTED" not in body and "\nDTSTART:2000" not in body
    [event] = parse_both(response.get_data())
    assert "X-INJECTED:1" in event["summary"]


def _form_classes():
    seen, queue = [], list(FlaskForm.__subclasses__())
    while queue:
        form = queue.pop()
        if form.__module__.startswith(app_package.__name__ + "."):
            seen.append(form)
        queue.extend(form.__subclasses__())
    return seen


def test_every_text_field_of_every_form_has_a_length_limit():
    """A new field without a limit fails here. Fields stored in a String(n) column take the
    limit from that column (app.core.forms.fits); PostgreSQL runs of the hypothesis suite
    (test_malformed_input.py) submit over-long values to every form."""
    import kaiku_training.accounts.forms  # noqa: E401,F401

    unlimited = []
    for form in _form_classes():
        for name in dir(form):
            field = getattr(form, name)
            if not isinstance(field, UnboundField) or not issubclass(field.field_class, StringField):
                continue
            if issubclass(field.field_class, (PasswordField, HiddenField)):
                continue  # a password is never stored as typed (its hash is); a hidden field is not typed
            limits = [v.max for v in field.kwargs.get("validators", []) if isinstance(v, Length) and v.max > 0]
            if not limits:
                unlimited.append(f"{form.__module__}.{form.__name__}.{name}")
    assert len(_form_classes()) >= 15
    assert not unlimited, "\n".join(unlimited)


def test_an_import_row_with_an_over_long_name_or_a_nul_is_refused_with_its_line(client, app, admin):
    from io import BytesIO

    rows = "email;name;area\n" + f"eka@example.org;{'N' * 201};\n" + "toka@example.org;To\x00ka;\n"
    response = client.post("/manage/people/import", data={"file": (BytesIO(rows.encode()), "people.csv")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "200" in page
    assert db.session.query(User).count() == 1  # the admin only
    response = client.post(
        "/manage/people/import",
        data={"file": (BytesIO(b"email;name;area\ntoka@example.org;To\x00ka;\n"), "people.csv")},
    )
    assert response.status_code == 302
    assert db.session.scalars(select(User.name).where(User.email == "toka@example.org")).one() == "Toka"
