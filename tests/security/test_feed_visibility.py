"""A feed shows each visitor exactly what the matching page shows them: the course feed lists
the sessions whose pages the visitor may open, and a meeting's feed answers only where its page
does. Visitors: anonymous (as calendar clients are), a coordinator of another area, a trainer,
an admin, and the holder of a personal feed address."""

import re
from datetime import timedelta

import pytest

from kaiku_training.accounts.models import Role
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events.registrations import register_person
from kaiku_training.meetings import services as meetings
from tests.calendars import parse_both
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import make_area, make_user

VISITORS = (None, "coordinator@example.org", "trainer@example.org", "admin@example.org")


@pytest.fixture
def course_sessions(app, courses_dir):
    """A live course with a session for guests, one for everyone signed in, one for the north
    only and one for trainers only; and people to look at them."""
    write_course(courses_dir, live=True)
    assert not sync_courses(courses_dir).errors
    course = curriculum.find_course("test-course")
    north, south = make_area("Pohjola"), make_area("Etelä")
    make_user("coordinator@example.org", area=south)
    make_user("trainer@example.org", roles=[Role.TRAINER], area=south)
    make_user("admin@example.org", roles=[Role.ADMIN], area=south)
    make_user("north@example.org", area=north)
    sessions = [
        make_session(course_id=course.id, open_to_guests=True),
        make_session(course_id=course.id),
        make_session(course_id=course.id, audience_area_ids=[north.id]),
        make_session(course_id=course.id, audience_roles=[Role.TRAINER.value]),
    ]
    return course, sessions


def _look_as(client, auth, visitor):
    auth.sign_out()
    if visitor:
        auth.sign_in(visitor)


def _uids(response) -> set[str]:
    assert response.status_code == 200
    return {event["uid"] for event in parse_both(response.data)}


@pytest.mark.parametrize("visitor", VISITORS + ("north@example.org",))
def test_the_course_feed_lists_the_sessions_whose_pages_the_visitor_may_open(client, auth, course_sessions, visitor):
    _course, sessions = course_sessions
    _look_as(client, auth, visitor)
    shown = {session.uid for session in sessions if client.get(f"/sessions/{session.id}").status_code == 200}
    assert _uids(client.get("/calendar/courses/test-course.ics")) == shown
    assert sessions[0].uid in shown  # the guest session is there for everyone


def test_a_feed_seen_signed_in_is_never_handed_to_anyone_else(client, auth, course_sessions):
    _course, sessions = course_sessions
    _look_as(client, auth, "admin@example.org")
    signed_in = client.get("/calendar/courses/test-course.ics")
    assert len(_uids(signed_in)) == 4 and "private" in signed_in.headers["Cache-Control"]
    _look_as(client, auth, None)
    anonymous = client.get("/calendar/courses/test-course.ics")  # within the feed cache's window
    assert _uids(anonymous) == {sessions[0].uid} and "public" in anonymous.headers["Cache-Control"]


def _make_edition(year: int, open_to_guests: bool):
    starts_at = utcnow().replace(microsecond=0) + timedelta(days=60)
    edition = meetings.create_edition(
        year,
        {
            "title": {"fi": f"Verkkotapaaminen {year}", "en": f"Online meeting {year}"},
            "description": {},
            "meeting_url": "https://meet.example.org/annual",
            "joining_instructions": {},
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=6),
            "open_to_guests": open_to_guests,
        },
    )
    meetings.save_item(
        edition,
        None,
        {
            "title": {"fi": "Avaus", "en": "Opening"},
            "description": {},
            "kind": "talk",
            "track": None,
            "speakers": None,
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=50),
        },
    )
    return edition


@pytest.mark.parametrize("visitor", VISITORS)
def test_a_meeting_feed_answers_exactly_where_its_page_does(client, auth, course_sessions, visitor):
    _make_edition(2031, open_to_guests=False)
    _make_edition(2032, open_to_guests=True)
    _look_as(client, auth, visitor)
    for year in (2031, 2032):
        page, feed = client.get(f"/meetings/{year}"), client.get(f"/calendar/meetings/{year}.ics")
        assert (page.status_code == 200) == (feed.status_code == 200), (year, page.status_code, feed.status_code)
    assert client.get("/meetings/2032").status_code == 200


def test_a_personal_feed_holds_only_sessions_whose_pages_its_holder_may_open(client, auth, course_sessions):
    _course, sessions = course_sessions
    person = make_user("holder@example.org")
    for session in sessions[:2]:
        register_person(session, person, "fi")
    _look_as(client, auth, "holder@example.org")
    page = client.post("/calendar/", data={"action": "create"}).get_data(as_text=True)
    feed_path = re.search(r'value="http://127\.0\.0\.1:5000(/calendar/feed/[^"]+)"', page).group(1)
    _look_as(client, auth, None)
    in_feed = _uids(client.get(feed_path))  # a calendar client: the token, no cookie
    _look_as(client, auth, "holder@example.org")
    shown = {session.uid for session in sessions if client.get(f"/sessions/{session.id}").status_code == 200}
    assert in_feed == {session.uid for session in sessions[:2]} and in_feed <= shown
