"""The join link, the roster, attendance and the CSV export."""

import csv
import io
import re
from datetime import timedelta

from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.links import join_url
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db
from tests.events.conftest import make_session
from tests.factories import make_user


def _path(url):
    return url.replace("http://127.0.0.1:5000", "")


def test_join_link_opens_shortly_before_the_start_and_follows_link_changes(client, app):
    session = make_session(starts_at=utcnow() + timedelta(minutes=10))
    registration = register_person(session, make_user(), "fi")
    link = _path(join_url(registration))
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "https://meet.example.org/abc"
    session.meeting_url = "https://meet.example.org/new-room"
    db.session.commit()
    assert client.get(link).headers["Location"] == "https://meet.example.org/new-room"
    db.session.refresh(registration)
    assert registration.first_joined_at is not None


def test_join_link_before_opening_waiting_or_cancelled_gives_a_clear_page(client, app):
    session = make_session(capacity=1, starts_at=utcnow() + timedelta(days=2))
    confirmed = register_person(session, make_user(), "fi")
    waiting = register_person(session, make_user(), "fi")
    client.set_cookie("kaiku_lang", "en")
    early = client.get(_path(join_url(confirmed)))
    assert early.status_code == 403 and "The meeting opens at" in early.get_data(as_text=True)
    assert "not confirmed" in client.get(_path(join_url(waiting))).get_data(as_text=True)
    assert "meet.example.org" not in early.get_data(as_text=True)
    assert client.get("/join/forged-token").status_code == 404


def test_attendance_in_bulk_satisfies_the_course_live_session(client, auth, app, trainer, courses_dir):
    from kaiku_training.curriculum import services as curriculum
    from kaiku_training.curriculum.sync import sync_courses
    from tests.curriculum.content import write_course

    write_course(courses_dir, key="live-course", live=True)
    sync_courses(courses_dir)
    course = curriculum.find_course("live-course")
    session = make_session(course_id=course.id)
    learner, other = make_user("aino@example.org", name="Aino"), make_user("eero@example.org", name="Eero")
    first = register_person(session, learner, "fi")
    second = register_person(session, other, "fi")
    assert curriculum.course_progress(learner, course).live_session_pending
    session.starts_at = utcnow() - timedelta(minutes=10)  # attendance is marked once it has started
    db.session.commit()

    auth.sign_in("trainer@example.org")
    client.post(f"/manage/sessions/{session.id}", data={"selected": [first.id], "bulk": "attended"})
    client.post(
        f"/manage/sessions/{session.id}",
        data={f"attendance-{second.id}": "no_show", f"attendance-{first.id}": "attended"},
    )
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.attendance, second.attendance) == ("attended", "no_show")
    assert not curriculum.course_progress(learner, course).live_session_pending
    assert curriculum.course_progress(other, course).live_session_pending


def test_roster_csv_opens_cleanly_in_excel(client, auth, app, trainer):
    session = make_session(capacity=1, open_to_guests=True)
    register_person(session, make_user("aino@example.org", name="Äijä Öljynen"), "fi")
    register_person(session, make_user("eero@example.org", name="Eero"), "fi")
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    response = client.get(f"/manage/sessions/{session.id}/roster.csv")
    assert (
        response.headers["Content-Type"].startswith("text/csv")
        and "attachment" in response.headers["Content-Disposition"]
    )
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [(row["Name"], row["Status"], row["Waiting position"]) for row in rows] == [
        ("Äijä Öljynen", "Confirmed", ""),
        ("Eero", "On the waiting list", "1"),
    ]


def test_roster_page_lists_everyone_with_status(client, auth, app, trainer):
    session = make_session(capacity=1)
    register_person(session, make_user(name="Aino"), "fi")
    register_person(session, make_user(name="Eero"), "fi")
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get(f"/manage/sessions/{session.id}").get_data(as_text=True)
    assert re.search(r"Aino.*Confirmed", page, re.S) and re.search(r"Eero.*On the waiting list \(1\)", page, re.S)


def test_exported_cells_cannot_run_as_formulas(client, auth, app, trainer):
    session = make_session()
    register_person(session, make_user(name='=HYPERLINK("http://evil.example")'), "fi")
    auth.sign_in("trainer@example.org")
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/manage/sessions/{session.id}/roster.csv").data.decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'


def test_joining_an_annual_meeting_records_attendance_and_announces_it(client, app):
    from kaiku_training.core.signals import attendance_marked
    from kaiku_training.meetings.models import ANNUAL_MEETING

    session = make_session(kind=ANNUAL_MEETING, starts_at=utcnow() + timedelta(minutes=10))
    registration = register_person(session, make_user(), "fi")
    heard = []
    receiver = lambda sender, **event: heard.append((sender.id, event["previous"]))  # noqa: E731
    attendance_marked.connect(receiver)
    try:
        client.get(_path(join_url(registration)))
        client.get(_path(join_url(registration)))  # joining again changes nothing
    finally:
        attendance_marked.disconnect(receiver)
    db.session.refresh(registration)
    assert registration.attendance == "attended" and heard == [(registration.id, None)]
