"""T1: a trainer schedules a session and a weekly series across a daylight-saving change, edits a
time (registrants get updates), cancels one occurrence. T3: a trainer assigns a course."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.core.timeutil import utcnow
from kaiku_training.curriculum.models import CourseAssignment
from kaiku_training.events.models import TrainingSession
from kaiku_training.extensions import db
from kaiku_training.outbox.services import deliver_due
from tests.calendars import parse_both
from tests.curriculum.conftest import synced_course  # noqa: F401 (a fixture)
from tests.events.conftest import ics_attachment, make_session
from tests.factories import make_area, make_user
from tests.journeys.conftest import set_language, sign_in

UTC = UTC
SESSION = {
    "title_fi": "Kevään perehdytys",
    "title_en": "Spring introduction",
    "meeting_url": "https://meet.example.org/spring",
    "capacity": "20",
}


def _sessions() -> list[TrainingSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at)))


def _trainer(browser):
    make_user("trainer@example.org", name="Tiina Kouluttaja", roles=[Role.TRAINER])
    sign_in(browser, "trainer@example.org")
    set_language(browser, "en")


def _register(new_browser, email, session) -> None:
    """A coordinator registers for a session from its page."""
    person = new_browser()
    make_user(email, locale="en")
    sign_in(person, email)
    page = person.get(f"/sessions/{session.id}").form(f"/sessions/{session.id}/register").submit()
    assert "You are registered" in page.text


def _sequences(smtp_server, recipient) -> list[tuple[str, int]]:
    """(METHOD, SEQUENCE) of each calendar invitation sent to `recipient`."""
    found = []
    for message in smtp_server.messages:
        attachment = ics_attachment(message) if message["To"] == recipient else None
        if attachment:
            found.append((attachment[0], parse_both(attachment[1])[0]["sequence"]))
    return found


def test_t1_trainer_schedules_a_single_session(browser):
    _trainer(browser)
    form = browser.get("/manage/sessions/").follow("Schedule a session").form(button="Save")
    page = form.fill(**SESSION, day="2027-02-10", start_time="14:30", end_time="16:00").submit()
    assert "1 session scheduled." in page.text
    assert "14:30" in page.text and "PM" not in page.text  # the 24-hour clock in English too
    [session] = _sessions()
    assert session.starts_at == datetime(2027, 2, 10, 12, 30, tzinfo=UTC) and session.series_key is None


def test_t1_a_series_with_a_time_skipped_by_the_clock_change_names_the_date_and_keeps_the_form(browser):
    _trainer(browser)
    form = browser.get("/manage/sessions/new").form(button="Save")
    page = form.fill(**SESSION, day="2027-03-21", start_time="03:30", end_time="05:00", repeat_weeks="3").submit()
    assert any("March 28, 2027" in error and "does not exist" in error for error in page.errors()), page.errors()
    assert _sessions() == []
    form = page.form(button="Save")
    assert form.values["title_fi"] == "Kevään perehdytys" and form.values["repeat_weeks"] == "3"

    page = form.fill(start_time="10:00", end_time="11:30").submit()
    assert "3 sessions scheduled." in page.text
    sessions = _sessions()
    # 10:00 in Helsinki: UTC+2 until the clocks go forward on 28 March 2027, then UTC+3
    assert [s.starts_at for s in sessions] == [
        datetime(2027, 3, 21, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 28, 7, 0, tzinfo=UTC),
        datetime(2027, 4, 4, 7, 0, tzinfo=UTC),
    ]
    assert len({s.series_key for s in sessions}) == 1 and sessions[0].series_key


def test_t1_an_autumn_time_that_occurs_twice_is_stored_only_as_chosen(browser):
    _trainer(browser)
    form = browser.get("/manage/sessions/new").form(button="Save")
    page = form.fill(**SESSION, day="2027-10-31", start_time="03:30", end_time="03:50").submit()
    assert any("October 31, 2027" in error and "occurs twice" in error for error in page.errors()), page.errors()
    assert _sessions() == []
    form = page.form(button="Save")
    page = form.check("repeated_hour", "second (winter time)").submit()
    assert "stored as the second one (winter time, UTC+2)" in page.text
    [session] = _sessions()
    assert session.starts_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 03:30 at UTC+2
    assert session.ends_at == datetime(2027, 10, 31, 1, 50, tzinfo=UTC)

    form = browser.get(f"/manage/sessions/{session.id}/edit").form(button="Save")
    assert form.values["repeated_hour"] == "second"  # the stored choice is shown again


def test_t1_trainer_edits_a_series_from_one_occurrence_on_and_cancels_one(browser, new_browser, smtp_server):
    _trainer(browser)
    form = browser.get("/manage/sessions/new").form(button="Save")
    form.fill(**SESSION, day="2027-03-21", start_time="10:00", end_time="11:30", repeat_weeks="3").submit()
    first, second, third = _sessions()
    for email, session in (("aino@example.org", first), ("eero@example.org", second), ("pia@example.org", third)):
        _register(new_browser, email, session)
    deliver_due()
    smtp_server.messages.clear()

    # From the second occurrence on, an hour later: 11:00 Helsinki summer time is 08:00 UTC
    form = browser.get(f"/manage/sessions/{second.id}/edit").form(button="Save")
    assert {label for _, label in form.options("scope")} == {
        "Only this session",
        "This and the later sessions of the series",
        "Every session of the series",
    }
    page = form.fill(start_time="11:00", end_time="12:30").check("scope", "later sessions").submit()
    assert "Saved: 2 sessions changed." in page.text
    first, second, third = _sessions()
    assert first.starts_at == datetime(2027, 3, 21, 8, 0, tzinfo=UTC) and first.sequence == 0
    assert [second.starts_at, third.starts_at] == [
        datetime(2027, 3, 28, 8, 0, tzinfo=UTC),
        datetime(2027, 4, 4, 8, 0, tzinfo=UTC),
    ]
    assert second.ends_at == datetime(2027, 3, 28, 9, 30, tzinfo=UTC)
    assert second.sequence == third.sequence == 1
    deliver_due()
    assert _sequences(smtp_server, "aino@example.org") == []
    assert _sequences(smtp_server, "eero@example.org") == [("REQUEST", 1)]
    assert _sequences(smtp_server, "pia@example.org") == [("REQUEST", 1)]
    smtp_server.messages.clear()

    # Cancel only the third occurrence, after reading what will happen
    page = browser.get(f"/manage/sessions/{third.id}/edit").follow("Cancel the session")
    assert "1 person will get an email" in page.text and "April 4, 2027" in page.text
    page = page.form(button="Cancel").check("scope", "Only this session").submit()
    assert "1 session cancelled" in page.text
    first, second, third = _sessions()
    assert third.is_cancelled and not second.is_cancelled and not first.is_cancelled
    deliver_due()
    assert [message["To"] for message in smtp_server.messages] == ["pia@example.org"]
    assert _sequences(smtp_server, "pia@example.org") == [("CANCEL", 2)]


def test_t1_trainer_cancels_a_whole_series_after_confirming(browser, new_browser, smtp_server):
    _trainer(browser)
    form = browser.get("/manage/sessions/new").form(button="Save")
    form.fill(**SESSION, day="2027-05-03", start_time="09:00", end_time="10:00", repeat_weeks="2").submit()
    first, second = _sessions()
    _register(new_browser, "aino@example.org", first)
    _register(new_browser, "eero@example.org", second)

    page = browser.get(f"/manage/sessions/{first.id}/edit").follow("Cancel the session")
    assert "2 people will get an email" in page.text
    page = page.form(button="Cancel").check("scope", "Every session").submit()
    assert "2 sessions cancelled" in page.text
    assert all(session.is_cancelled for session in _sessions())


def test_t1_the_sessions_list_shows_upcoming_and_past_apart(browser):
    now = utcnow()
    make_session(starts_at=now - timedelta(days=30), title={"fi": "Vanha", "en": "Long ago"})
    make_session(starts_at=now - timedelta(days=2), title={"fi": "Äsken", "en": "Just past"})
    make_session(starts_at=now + timedelta(days=3), title={"fi": "Tuleva", "en": "Coming up"})
    _trainer(browser)
    page = browser.get("/manage/sessions/")
    upcoming, past = (section.get_text(" ") for section in page.soup.select("section"))
    assert "Coming up" in upcoming and "Just past" not in upcoming
    assert past.index("Just past") < past.index("Long ago")  # newest first
    assert "Coming up" not in past


def test_t3_trainer_assigns_a_course_to_a_person_an_area_and_a_role(browser, new_browser, synced_course):
    area = make_area("Lahti", name_en="Lahti")
    make_user("aino@example.org", name="Aino Koordinaattori", locale="en")
    make_user("eero@example.org", name="Eero Alue", locale="en", area=area)
    _trainer(browser)
    due = date(2027, 6, 30)
    for target, values in (
        ("People by email", {"emails": "aino@example.org"}),
        ("Everyone in an area", {"area_id": str(area.id)}),
        ("Everyone with a role", {"role": "coordinator"}),
    ):
        form = browser.get("/manage/assignments").form(button="Assign")
        form.fill(course_id=str(synced_course.id), due_on=due.isoformat(), **values)
        page = form.check("target", target).submit()
        assert "Course assigned to 1 target." in page.text
    assignments = db.session.scalars(select(CourseAssignment)).all()
    assert len(assignments) == 3 and {a.due_on for a in assignments} == {due}
    assert {(a.person_id is not None, a.area_id, a.role) for a in assignments} == {
        (True, None, None),
        (False, area.id, None),
        (False, None, "coordinator"),
    }

    for email in ("aino@example.org", "eero@example.org"):
        person = new_browser()
        sign_in(person, email)
        page = person.get("/")
        assert "Test course" in page.text and "due June 30, 2027" in page.text

    # The role assignment was a mistake: the trainer removes it, the others stay
    role_assignment = next(a for a in assignments if a.role)
    page = browser.get("/manage/assignments").form(f"/assignments/{role_assignment.id}/remove").submit()
    assert "Assignment removed." in page.text
    db.session.expire_all()
    assert len(db.session.scalars(select(CourseAssignment)).all()) == 2
