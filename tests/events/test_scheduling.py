"""Trainers schedule sessions in Finnish wall time; storage is UTC and right across DST."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kaiku_training.core.timeutil import utcnow
from kaiku_training.events.models import TrainingSession
from kaiku_training.extensions import db
from tests.events.conftest import make_session
from tests.factories import make_user
from tests.web import Browser

FORM = {
    "title_fi": "Kevään perehdytys",
    "title_sv": "Vårens introduktion",
    "title_en": "Spring introduction",
    "description_fi": "## Ohjelma\n\nTervetuloa!",
    "course_id": 0,
    "day": "2027-03-22",
    "start_time": "10:00",
    "end_time": "11:30",
    "repeat_weeks": 1,
    "meeting_url": "https://meet.example.org/x",
    "instructions_fi": "Liity tietokoneelta.",
    "capacity": 20,
}


def _sessions():
    return db.session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at)).all()


def test_trainer_schedules_a_weekly_series_across_the_spring_dst_change(client, auth, app, trainer):
    auth.sign_in("trainer@example.org")
    response = client.post("/manage/sessions/new", data={**FORM, "repeat_weeks": 3, "trainer_ids": [trainer.id]})
    assert response.status_code == 302
    sessions = _sessions()
    assert len(sessions) == 3 and len({s.uid for s in sessions}) == 3 and len({s.series_key for s in sessions}) == 1
    # 10:00 Helsinki: UTC+2 before the last Sunday of March 2027 (28th), UTC+3 after
    assert [s.starts_at for s in sessions] == [
        datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 7, 0, tzinfo=UTC),
    ]
    assert sessions[0].trainers == [trainer] and sessions[0].title["sv"] == "Vårens introduktion"


def test_autumn_dst_week(client, auth, app, trainer):
    auth.sign_in("trainer@example.org")
    client.post(
        "/manage/sessions/new",
        data={**FORM, "day": "2027-10-25", "start_time": "09:00", "end_time": "10:00", "repeat_weeks": 2},
    )
    first, second = _sessions()
    # summer time (UTC+3) until the last Sunday of October 2027 (31st), then UTC+2
    assert first.starts_at == datetime(2027, 10, 25, 6, 0, tzinfo=UTC)
    assert second.starts_at == datetime(2027, 11, 1, 7, 0, tzinfo=UTC)


def test_a_time_skipped_by_the_clock_change_is_refused(client, auth, app, trainer):
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.post(
        "/manage/sessions/new", data={**FORM, "day": "2027-03-28", "start_time": "03:30", "end_time": "05:00"}
    ).get_data(as_text=True)
    assert 'id="start_time-error"' in page and "the clocks go forward" in page
    assert _sessions() == []


def test_end_before_start_and_close_after_start_are_refused(client, auth, app, trainer):
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.post("/manage/sessions/new", data={**FORM, "end_time": "09:00"}).get_data(as_text=True)
    assert "must end after it starts" in page
    page = client.post("/manage/sessions/new", data={**FORM, "registration_closes_at": "2027-03-22T12:00"}).get_data(
        as_text=True
    )
    assert "must close by the start" in page
    assert _sessions() == []


def test_second_save_of_an_outdated_form_is_refused(client, auth, app, trainer):
    session = make_session()
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    edit = {**FORM, "version": session.version, "title_fi": "Ensimmäinen muutos"}
    assert client.post(f"/manage/sessions/{session.id}/edit", data=edit).status_code == 302
    stale = {**FORM, "version": edit["version"], "title_fi": "Toinen, vanhalla lomakkeella"}
    page = client.post(f"/manage/sessions/{session.id}/edit", data=stale, follow_redirects=True).get_data(as_text=True)
    assert "Someone else saved this session" in page
    db.session.refresh(session)
    assert session.title["fi"] == "Ensimmäinen muutos"


def test_capacity_cannot_drop_below_confirmed(client, auth, app, trainer):
    from kaiku_training.events.registrations import register_person

    session = make_session(capacity=3)
    for number in range(2):
        register_person(session, make_user(f"p{number}@example.org"), "fi")
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.post(
        f"/manage/sessions/{session.id}/edit",
        data={**FORM, "day": "2027-02-10", "capacity": 1, "version": session.version},
    ).get_data(as_text=True)
    assert "2 people are already confirmed" in page


def test_coordinators_cannot_manage_sessions(client, auth, app):
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    assert client.get("/manage/sessions/").status_code == 403
    assert client.post("/manage/sessions/new", data=FORM).status_code == 403


def test_each_session_of_a_series_closes_registration_as_long_before_its_own_start(client, auth, app, trainer):
    auth.sign_in("trainer@example.org")
    client.post("/manage/sessions/new", data={**FORM, "repeat_weeks": 2, "registration_closes_at": "2027-03-22T09:00"})
    first, second = _sessions()
    assert first.registration_closes_at == first.starts_at - timedelta(hours=1)
    assert second.registration_closes_at == second.starts_at - timedelta(hours=1)


def test_changing_every_session_of_a_series_leaves_the_past_ones_as_they_happened(client, auth, app, trainer):
    from kaiku_training.events.services import create_sessions

    # At a fixed hour: the form edits one local date with a start and an end time, so a session
    # crossing midnight in Helsinki (a test run at 21-22 UTC) could not be saved.
    now = utcnow().replace(hour=10, minute=0, second=0, microsecond=0)
    template = {
        "title": {"fi": "Koulutus"},
        "description": {},
        "joining_instructions": {},
        "meeting_url": "https://meet.example.org/abc",
        "capacity": 20,
    }
    past, coming, later = create_sessions(
        template, [], [(now + timedelta(weeks=week), now + timedelta(weeks=week, hours=1)) for week in (-1, 1, 2)]
    )
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    form = Browser(client).get(f"/manage/sessions/{later.id}/edit").form(button="Save")
    page = form.fill(title_fi="Uusi nimi").check("scope", "Every session").submit()
    assert "Saved: 2 sessions changed." in page.text
    assert [s.title["fi"] for s in _sessions()] == ["Koulutus", "Uusi nimi", "Uusi nimi"]
    assert [s.starts_at for s in _sessions()] == [past.starts_at, coming.starts_at, later.starts_at]


def test_a_session_moved_later_with_a_seat_more_promotes_by_its_new_time(app):
    """More seats go to the waiting list by the session's new start: moved out of the promotion
    cutoff, the first waiting person gets the seat, not an offer."""
    from kaiku_training.events.models import RegistrationStatus
    from kaiku_training.events.registrations import register_person
    from kaiku_training.events.services import update_session

    soon = utcnow() + timedelta(hours=1)
    session = make_session(capacity=1, starts_at=soon)
    holder, waiting = (register_person(session, make_user(), "en") for _ in range(2))
    later = soon + timedelta(days=7)
    update_session(
        session, {"starts_at": later, "ends_at": later + timedelta(hours=2), "capacity": 2}, [], session.version
    )
    db.session.refresh(waiting)
    assert waiting.status == RegistrationStatus.CONFIRMED and waiting.offered_at is None


def test_a_tampered_form_version_is_refused_as_an_edit_conflict(client, auth, app):
    make_user("trainer@example.org", roles=["trainer"])
    session = make_session()
    auth.sign_in("trainer@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get(f"/manage/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'name="version"' in page
    response = client.post(
        f"/manage/sessions/{session.id}/edit",
        data={
            "version": "abc",
            "title_fi": "Uusi nimi",
            "day": "2027-02-10",
            "start_time": "10:00",
            "end_time": "12:00",
            "meeting_url": "https://meet.example.org/abc",
            "capacity": "20",
            "course_id": "0",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200 and "Someone else saved this session" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.title["fi"] == "Koulutus"
