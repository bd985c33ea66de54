"""Coordinator journeys about their own account: C1 the dashboard, C6 the personal calendar
feed, C8 language, text size, preferred language and the data download."""

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from kaiku_training.accounts.models import User
from kaiku_training.calendar.models import FeedToken
from kaiku_training.curriculum import services as curriculum
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.events.registrations import register_person
from kaiku_training.extensions import db
from kaiku_training.meetings import services as meetings
from tests.calendars import parse_both
from tests.curriculum.content import write_course
from tests.events.conftest import make_session
from tests.factories import make_admin, make_user
from tests.journeys.conftest import set_language, sign_in

SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)


def _courses(courses_dir, *keys):
    for number, key in enumerate(keys):
        write_course(courses_dir, key=key)
        toml = courses_dir / key / "course.toml"
        toml.write_text(
            toml.read_text()
            .replace('en = "Test course"', f'en = "Course {key}"')
            .replace("order = 1", f"order = {number + 1}")
        )
    assert not sync_courses(courses_dir).errors
    return [curriculum.find_course(key) for key in keys]


def _edition(year):
    starts = SOON + timedelta(days=40)
    edition = meetings.create_edition(
        year,
        {
            "title": {"fi": f"Verkkotapaaminen {year}", "en": f"National online meeting {year}"},
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=6),
            "meeting_url": "https://meet.example.org/x",
        },
    )
    db.session.commit()
    return edition


def test_c1_dashboard_shows_assigned_courses_most_urgent_first_registrations_and_the_meeting(browser, courses_dir):
    person = make_user("aino@example.org", name="Aino Koordinaattori")
    admin = make_admin()
    later, overdue, started = _courses(courses_dir, "later", "overdue", "started")
    curriculum.assign(later, date.today() + timedelta(days=60), admin, person=person)
    curriculum.assign(overdue, date.today() - timedelta(days=2), admin, person=person)
    curriculum.complete_lesson(person, started.active_lessons[0], "en")
    session = make_session(starts_at=SOON, title={"fi": "Kevään koulutus", "en": "Spring training"})
    register_person(session, person, "en")
    db.session.commit()
    _edition(SOON.year + 1)

    sign_in(browser, "aino@example.org")
    page = set_language(browser, "en")
    assert "Welcome, Aino Koordinaattori" in page.text
    courses = [card.select_one("h3").get_text(strip=True) for card in page.soup.select("#my-training ~ ul .card")]
    assert courses == ["Course overdue", "Course started", "Course later"]
    registrations = page.soup.select_one("#my-registrations").find_parent("section").get_text(" ", strip=True)
    assert "Spring training" in registrations and "Confirmed" in registrations
    assert f"National online meeting {SOON.year + 1}" in page.text
    assert page.link("Programme and registration").endswith(f"/meetings/{SOON.year + 1}")


def _feed_url(page) -> str:
    return page.soup.select_one("#feed-https")["value"].removeprefix("http://127.0.0.1:5000")


def test_c6_coordinator_subscribes_replaces_and_revokes_the_personal_feed(browser, new_browser):
    person = make_user("aino@example.org")
    session = make_session(starts_at=SOON, title={"fi": "Koulutus", "en": "Spring training"})
    register_person(session, person, "en")
    db.session.commit()
    sign_in(browser, "aino@example.org")
    set_language(browser, "en")
    calendar_app = new_browser()

    page = browser.get("/").follow("My calendar")
    page = page.form(button="Make my feed address").submit()
    first = _feed_url(page)
    assert "shown only once" in page.text and page.link("Open in your calendar app").startswith("webcal://")
    [event] = parse_both(calendar_app.client.get(first).data)
    assert event["uid"] == session.uid and "/join/" in event["location"]

    page = browser.get("/calendar/").form(button="Make a new address").submit()
    second = _feed_url(page)
    assert second != first
    assert calendar_app.client.get(first).status_code == 404
    assert parse_both(calendar_app.client.get(second).data)[0]["uid"] == session.uid

    page = browser.get("/calendar/").follow("Turn off my feed")
    assert "Turn off your calendar feed?" in page.text
    assert "Calendar apps subscribed to it stop updating" in page.text
    page = page.form(button="Turn off my feed").submit()
    assert "Your calendar address no longer works." in page.text and "Make my feed address" in page.text
    assert calendar_app.client.get(second).status_code == 404
    assert db.session.scalars(select(FeedToken).where(FeedToken.revoked_at.is_(None))).all() == []


def test_c8_language_text_size_preferred_language_and_own_data(browser):
    make_user("aino@example.org", name="Aino Koordinaattori", locale="fi")
    sign_in(browser, "aino@example.org")
    page = set_language(browser, "sv")
    assert page.soup.html["lang"] == "sv" and "Logga ut" in page.text
    page = page.form("/text-size", button="150 %").submit()
    assert "text-150" in page.soup.html["class"]
    assert "text-150" in browser.get("/sessions/").soup.html["class"]  # the choice stays

    form = browser.get("/").follow("Mitt konto").form("/account", button="Spara")
    assert form.values["profile-locale"] == "sv"  # switching the page language also set it
    page = form.fill(**{"profile-locale": "en"}).submit()
    assert "Your details have been saved." in page.text  # the pages follow the preferred language
    db.session.expire_all()
    assert db.session.scalar(select(User.locale).where(User.email == "aino@example.org")) == "en"

    response = browser.client.get(page.link("Download your data"))
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["email"] == "aino@example.org" and data["person"]["locale"] == "en"
    assert "attachment" in response.headers["Content-Disposition"]
