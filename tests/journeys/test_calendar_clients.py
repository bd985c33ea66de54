"""K1: a calendar client polls the personal, public, course and meeting feeds the way calendar
apps do, with ETag and If-Modified-Since: unchanged feeds answer 304, every change reaches it,
and no event appears twice."""

import time
from collections import Counter
from datetime import timedelta

from kaiku_training.events.registrations import cancel_registration, register_person, registration_of
from kaiku_training.events.services import cancel_session
from kaiku_training.extensions import db
from kaiku_training.meetings import services as meetings
from tests.calendars import parse_both
from tests.curriculum.conftest import synced_course  # noqa: F401  (a fixture)
from tests.events.conftest import make_session
from tests.factories import make_user
from tests.journeys.conftest import set_language, sign_in
from tests.journeys.test_coordinator_account import SOON, _edition, _feed_url


class CalendarClient:
    """Polls one feed URL, remembering the ETag and Last-Modified of the last answer. Some
    clients send both validators, some only If-Modified-Since."""

    def __init__(self, client, url: str, send_etag: bool = True):
        self.client, self.url, self.send_etag = client, url, send_etag
        self.etag = self.last_modified = None
        self.events: dict[str, dict] = {}

    def poll(self) -> int:
        headers = {}
        if self.etag and self.send_etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        response = self.client.get(self.url, headers=headers)
        assert response.status_code in (200, 304), response.status_code
        if response.status_code == 200:
            parsed = parse_both(response.data)
            uids = Counter(event["uid"] for event in parsed)
            assert all(count == 1 for count in uids.values()), f"duplicate UIDs: {uids}"
            self.events = {event["uid"]: event for event in parsed}
            self.etag = response.headers["ETag"]
            self.last_modified = response.headers.get("Last-Modified")
        return response.status_code


def test_k1_calendar_clients_poll_every_feed_and_see_each_change_once(app, browser, new_browser, synced_course):
    person = make_user("aino@example.org")
    open_session = make_session(
        starts_at=SOON, open_to_guests=True, course_id=synced_course.id, title={"fi": "Avoin", "en": "Open training"}
    )
    registered = make_session(starts_at=SOON + timedelta(days=1), title={"fi": "Oma", "en": "My training"})
    register_person(open_session, person, "en")
    register_person(registered, person, "en")
    edition = _edition(SOON.year + 1)
    edition.session.open_to_guests = True  # a calendar client has no cookie: its page must be public too
    item = meetings.save_item(
        edition,
        None,
        {
            "kind": "talk",
            "title": {"fi": "Avaus", "en": "Opening"},
            "description": {},
            "speakers": "",
            "starts_at": edition.session.starts_at,
            "ends_at": edition.session.starts_at + timedelta(hours=1),
        },
    )
    db.session.commit()
    sign_in(browser, "aino@example.org")
    set_language(browser, "en")
    personal_url = _feed_url(browser.get("/calendar/").form(button="Make my feed address").submit())

    polling = new_browser().client
    clients = {
        "public": CalendarClient(polling, "/calendar/sessions.ics"),
        "course": CalendarClient(polling, f"/calendar/courses/{synced_course.key}.ics"),
        "meeting": CalendarClient(polling, f"/calendar/meetings/{edition.year}.ics"),
        "personal": CalendarClient(polling, personal_url),
        "personal, If-Modified-Since only": CalendarClient(polling, personal_url, send_etag=False),
    }
    assert {name: client.poll() for name, client in clients.items()} == dict.fromkeys(clients, 200)
    assert set(clients["public"].events) == set(clients["course"].events) == {open_session.uid}
    assert set(clients["meeting"].events) == {item.uid}
    assert set(clients["personal"].events) == {open_session.uid, registered.uid}
    assert {name: client.poll() for name, client in clients.items()} == dict.fromkeys(clients, 304)

    time.sleep(1.1)  # Last-Modified counts whole seconds: the changes come later, as in real life
    cancel_registration(registration_of(person, registered))  # only her own registration changes
    personal = {name: client for name, client in clients.items() if name.startswith("personal")}
    assert {name: client.poll() for name, client in personal.items()} == dict.fromkeys(personal, 200)
    for name, client in personal.items():
        assert client.events[registered.uid]["status"] == "CANCELLED", name
    assert {name: client.poll() for name, client in personal.items()} == dict.fromkeys(personal, 304)

    time.sleep(1.1)
    cancel_session(open_session)
    meetings.save_item(
        edition,
        item,
        {"starts_at": item.starts_at + timedelta(minutes=30), "ends_at": item.ends_at + timedelta(minutes=30)},
    )
    assert {name: client.poll() for name, client in clients.items()} == dict.fromkeys(clients, 200)
    for name in ("public", "course", "personal", "personal, If-Modified-Since only"):
        assert clients[name].events[open_session.uid]["status"] == "CANCELLED", name
    for name in ("personal", "personal, If-Modified-Since only"):
        assert clients[name].events[registered.uid]["status"] == "CANCELLED", name
    moved = clients["meeting"].events[item.uid]
    assert moved["sequence"] == 1 and moved["start"] == item.starts_at
    assert {name: client.poll() for name, client in clients.items()} == dict.fromkeys(clients, 304)
