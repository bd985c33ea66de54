"""iCalendar feeds: public, per course, personal with tokens; polling with 304; DST weeks."""

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from kaiku_training.calendar.models import FeedToken
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events.registrations import cancel_registration, register_person
from kaiku_training.events.services import cancel_session
from kaiku_training.extensions import db
from tests.calendars import all_day, calendar_properties, helsinki, parse_both
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import make_user

# The last Sundays of March and October 2027 (the clocks change at 03:00 / 04:00 local time).
DST_DAYS = [
    datetime(2027, 3, 27, 8, 0, tzinfo=UTC),
    datetime(2027, 3, 28, 7, 0, tzinfo=UTC),
    datetime(2027, 10, 30, 7, 0, tzinfo=UTC),
    datetime(2027, 10, 31, 8, 0, tzinfo=UTC),
]


def test_public_feed_has_open_sessions_with_right_local_times_in_dst_weeks(client, app):
    for starts_at in DST_DAYS:
        make_session(starts_at=starts_at, open_to_guests=True)
    make_session(starts_at=DST_DAYS[0])  # not open: not in the public feed
    response = client.get("/calendar/sessions.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    events = parse_both(response.data)
    assert len(events) == 4
    assert [(helsinki(e["start"]).date(), helsinki(e["start"]).hour) for e in events] == [
        (date(2027, 3, 27), 10),
        (date(2027, 3, 28), 10),
        (date(2027, 10, 30), 10),
        (date(2027, 10, 31), 10),
    ]
    properties = calendar_properties(response.data)
    assert properties["REFRESH-INTERVAL"] == "PT1H" and properties["X-PUBLISHED-TTL"] == "PT1H"
    assert "X-WR-CALNAME" in properties
    assert "meet.example.org" not in response.get_data(as_text=True)


def test_polling_gets_304_with_etag_and_last_modified(client, app):
    session = make_session(open_to_guests=True)
    first = client.get("/calendar/sessions.ics")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "max-age=3600" in first.headers["Cache-Control"]
    again = client.get("/calendar/sessions.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/calendar/sessions.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    session.title = {"fi": "Uusi nimi"}
    session.updated_at = session.updated_at + timedelta(minutes=1)
    db.session.commit()
    changed = client.get("/calendar/sessions.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_course_feed(client, app, courses_dir):
    write_course(courses_dir)
    sync_courses(courses_dir)
    course = curriculum.find_course("test-course")
    make_session(course_id=course.id, open_to_guests=True)
    make_session(course_id=course.id)  # for signed-in people only: not in the feed a calendar client gets
    make_session()
    assert len(parse_both(client.get("/calendar/courses/test-course.ics").data)) == 1
    assert client.get("/calendar/courses/nothing.ics").status_code == 404


def _make_feed(client) -> str:
    page = client.post("/calendar/", data={"action": "create", "alarm_minutes": "60"}).get_data(as_text=True)
    return re.search(r'value="http://127\.0\.0\.1:5000(/calendar/feed/[^"]+)"', page).group(1)


def test_personal_feed_with_registrations_due_dates_alarms_and_cancellations(client, auth, app, courses_dir):
    write_course(courses_dir)
    sync_courses(courses_dir)
    course = curriculum.find_course("test-course")
    person = make_user("aino@example.org", locale="en")
    curriculum.assign(course, date(2027, 1, 31), person, person=person)
    confirmed_session, full_session, cancelled_session = (
        make_session(capacity=1, starts_at=start) for start in DST_DAYS[:3]
    )
    register_person(confirmed_session, person, "en")
    register_person(full_session, make_user(), "fi")
    register_person(full_session, person, "en")
    register_person(cancelled_session, person, "en")
    cancel_session(cancelled_session)

    auth.sign_in("aino@example.org")
    feed_path = _make_feed(client)
    auth.sign_out()  # calendar clients have no session
    response = client.get(feed_path)
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    events = {e["uid"]: e for e in parse_both(response.data)}
    assert (
        events[confirmed_session.uid]["status"] == "CONFIRMED" and "/join/" in events[confirmed_session.uid]["location"]
    )
    assert events[confirmed_session.uid]["alarms"]
    assert events[full_session.uid]["status"] == "TENTATIVE" and "/join/" not in events[full_session.uid]["location"]
    assert events[cancelled_session.uid]["status"] == "CANCELLED"
    [due] = [e for e in events.values() if all_day(e["start"])]
    assert due["start"] == date(2027, 1, 31) and due["summary"] == "Test course"
    assert helsinki(events[confirmed_session.uid]["start"]).hour == 10


def test_feed_tokens_are_hashed_revocable_and_replaceable(client, auth, app):
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    first = _make_feed(client)
    raw = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert raw not in {token.token_hash for token in db.session.scalars(select(FeedToken))}
    assert client.get(first).status_code == 200
    second = _make_feed(client)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    client.post("/calendar/turn-off")
    assert client.get(second).status_code == 404
    assert client.get("/calendar/feed/guessed.ics").status_code == 404


def test_my_calendar_page_offers_webcal_and_https_and_help(client, auth, app):
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.post("/calendar/", data={"action": "create"}).get_data(as_text=True)
    assert (
        'href="webcal://127.0.0.1:5000/calendar/feed/' in page and 'value="http://127.0.0.1:5000/calendar/feed/' in page
    )
    assert "Google refreshes subscribed calendars slowly" in page


def test_single_event_download(client, app):
    session = make_session(open_to_guests=True, starts_at=DST_DAYS[1])
    response = client.get(f"/sessions/{session.id}/event.ics")
    [event] = parse_both(response.data)
    assert event["uid"] == session.uid and helsinki(event["start"]).hour == 10


def test_feed_cache_serves_polls_without_the_database_and_forgets_revoked_tokens(client, auth, app):
    app.config["FEED_CACHE_SECONDS"] = 60
    session = make_session(open_to_guests=True)
    first = client.get("/calendar/sessions.ics")
    session.title = {"fi": "Muutettu"}
    db.session.commit()
    assert client.get("/calendar/sessions.ics").data == first.data  # served from the cache
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    feed = _make_feed(client)
    assert client.get(feed).status_code == 200
    client.post("/calendar/turn-off")
    assert client.get(feed).status_code == 404  # this worker forgets at once


def test_times_after_2038_stay_right(client, app):
    summer_2040 = datetime(2040, 6, 12, 7, 0, tzinfo=UTC)  # 10:00 Helsinki summer time
    winter_2041 = datetime(2041, 1, 15, 8, 0, tzinfo=UTC)  # 10:00 Helsinki winter time
    for starts_at in (summer_2040, winter_2041):
        make_session(starts_at=starts_at, open_to_guests=True)
    events = parse_both(client.get("/calendar/sessions.ics").data)
    assert [helsinki(event["start"]).hour for event in events] == [10, 10]


def test_a_feed_holds_one_event_per_uid_after_cancelling_and_registering_again(client, auth, app):
    session = make_session(capacity=5, starts_at=DST_DAYS[0])
    person = make_user("aino@example.org", locale="en")
    cancel_registration(register_person(session, person, "en"))
    register_person(session, person, "en")

    auth.sign_in("aino@example.org")
    feed_path = _make_feed(client)
    auth.sign_out()
    uids = [event["uid"] for event in parse_both(client.get(feed_path).data)]
    assert uids.count(session.uid) == 1
    [event] = [event for event in parse_both(client.get(feed_path).data) if event["uid"] == session.uid]
    assert event["status"] == "CONFIRMED" and "/join/" in event["location"]


def test_a_waiting_place_carries_no_alarm(client, auth, app):
    full_session = make_session(capacity=1, starts_at=DST_DAYS[1])
    register_person(full_session, make_user(), "fi")
    register_person(full_session, make_user("aino@example.org", locale="en"), "en")

    auth.sign_in("aino@example.org")
    feed_path = _make_feed(client)  # asks for an alarm 60 minutes before each session
    auth.sign_out()
    [event] = parse_both(client.get(feed_path).data)
    assert event["status"] == "TENTATIVE" and not event["alarms"]
