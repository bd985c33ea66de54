"""The annual meeting: editions, programme, registration with questions, agenda feeds,
organiser exports, the participant list, materials and feedback."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.events.models import Registration, RegistrationStatus
from kaiku_training.extensions import db
from kaiku_training.meetings import services
from kaiku_training.meetings.models import MeetingAnswer, QuestionForm
from kaiku_training.outbox.services import deliver_due
from tests.calendars import helsinki, parse_both
from tests.conftest import link_in
from tests.factories import make_area, make_user
from tests.smtp import text_of

DAY = datetime(2027, 3, 25, 7, 0, tzinfo=UTC)  # 09:00 in Helsinki


def make_edition(year=2027, starts_at=DAY, **fields):
    edition = services.create_edition(
        year,
        {
            "title": {"fi": f"Verkkotapaaminen {year}", "sv": f"Webbmötet {year}", "en": f"Online meeting {year}"},
            "description": {},
            "meeting_url": "https://meet.example.org/annual",
            "joining_instructions": {},
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=30),
            "open_to_guests": True,
            **fields,
        },
    )
    plenary = services.save_item(edition, None, _item("Avaus", starts_at, None))
    workshop_a = services.save_item(edition, None, _item("Työpaja A", starts_at + timedelta(hours=1), "A"))
    workshop_b = services.save_item(edition, None, _item("Työpaja B", starts_at + timedelta(hours=1), "B"))
    next_day = services.save_item(edition, None, _item("Toinen päivä", starts_at + timedelta(hours=24), None))
    services.save_question(
        edition,
        None,
        form=QuestionForm.REGISTRATION,
        kind="single",
        required=True,
        label={"fi": "Ruokavalio", "sv": "Kost", "en": "Diet"},
        options=[
            {"key": "any", "label": {"fi": "Kaikki käy", "en": "Anything"}},
            {"key": "veg", "label": {"fi": "Kasvis", "en": "Vegetarian"}},
        ],
    )
    return edition, (plenary, workshop_a, workshop_b, next_day)


def _item(title, starts_at, track):
    return {
        "title": {"fi": title, "en": title},
        "description": {},
        "kind": "talk",
        "track": track,
        "speakers": None,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=50),
    }


def _answer_keys(edition):
    return {q.label["en"]: q.key for q in edition.questions}


def test_coordinator_and_guest_register_with_answers_and_the_export_has_every_answer(client, auth, app, smtp_server):
    edition, _items = make_edition()
    keys = _answer_keys(edition)
    make_user(
        "aino@example.org", name="Aino Virtanen", locale="sv", area=make_area("Esimerkkilä", name_en="Example place")
    )
    auth.sign_in("aino@example.org")
    client.set_cookie("kaiku_lang", "sv")
    missing = client.post("/meetings/2027/register", data={}).get_data(as_text=True)
    assert f'id="q-{keys["Diet"]}-error"' in missing
    assert db.session.query(Registration).count() == 0
    client.post(
        "/meetings/2027/register",
        data={f"q-{keys['Diet']}": "veg", "q-show-name": "yes", "q-accessibility": "Textning, tack"},
    )
    auth.sign_out()

    client.set_cookie("kaiku_lang", "en")
    client.post(
        "/meetings/2027/guest",
        data={
            "name": "Guest Person",
            "email": "guest@example.org",
            "organisation": "Library",
            "area": "Elsewhere",
            f"q-{keys['Diet']}": "any",
            "q-accessibility": "Step-free access",
        },
    )
    deliver_due()
    confirmation = next(m for m in smtp_server.messages if m["To"] == "guest@example.org")
    client.get(link_in(text_of(confirmation)))

    registrations = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert [r.status for r in registrations] == [RegistrationStatus.CONFIRMED, RegistrationStatus.CONFIRMED]
    make_user("admin@example.org", roles=[Role.ADMIN])
    auth.sign_in("admin@example.org")
    response = client.get("/manage/meetings/2027/registrations.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    header, aino, guest = rows
    assert len(rows) == 3 and header[:3] == ["Name", "Email", "Area"]
    assert aino[0] == "Aino Virtanen" and "Textning, tack" in aino and "Vegetarian" in aino and "✓" in aino
    assert guest[0] == "Guest Person" and "Step-free access" in guest and "Anything" in guest
    page = client.get("/manage/meetings/2027/registrations").get_data(as_text=True)
    assert "Example place" in page and "Elsewhere" in page


def test_answers_can_be_edited_until_the_deadline(client, auth, app):
    edition, _items = make_edition()
    keys = _answer_keys(edition)
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    client.post("/meetings/2027/register", data={f"q-{keys['Diet']}": "veg"})
    client.post("/meetings/2027/answers", data={f"q-{keys['Diet']}": "any"})
    registration = db.session.scalar(select(Registration))
    assert services.answers_of(registration)[keys["Diet"]] == "any"
    edition.session.registration_closes_at = DAY - timedelta(days=400)
    edition.session.registration_opens_at = DAY - timedelta(days=500)
    db.session.commit()
    client.set_cookie("kaiku_lang", "en")
    page = client.post("/meetings/2027/answers", data={f"q-{keys['Diet']}": "veg"}, follow_redirects=True)
    assert "can no longer be changed" in page.get_data(as_text=True)
    assert services.answers_of(registration)[keys["Diet"]] == "any"


def test_questions_with_answers_cannot_lose_them(app):
    edition, _items = make_edition()
    person = make_user()
    question = next(q for q in edition.questions if q.label["en"] == "Diet")
    services.register(edition, person, "fi", {question.key: "veg"})
    try:
        services.save_question(
            edition, question, form="registration", kind="short_text", label=question.label, options=[], required=False
        )
    except services.QuestionLocked:
        pass
    else:
        raise AssertionError("changing the kind was allowed")
    try:
        services.save_question(
            edition,
            question,
            form="registration",
            kind="single",
            label=question.label,
            options=question.options[:1] + [],
            required=True,
        )
    except services.QuestionLocked:
        pass
    else:
        raise AssertionError("removing an option was allowed")
    relabelled = services.parse_options(
        "Mikä vain | Vad som helst | Anything at all\nKasvis | Vegetariskt | Vegetarian", question.options
    )
    services.save_question(
        edition, question, form="registration", kind="single", label=question.label, options=relabelled, required=True
    )
    assert [option["key"] for option in question.options] == ["any", "veg"]
    assert db.session.scalar(select(MeetingAnswer.value).where(MeetingAnswer.question_id == question.id)) == "veg"


def test_personal_agenda_feed_and_meeting_feed_have_one_event_per_item(client, auth, app):
    edition, (plenary, workshop_a, workshop_b, next_day) = make_edition()
    keys = _answer_keys(edition)
    make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    client.post("/meetings/2027/register", data={f"q-{keys['Diet']}": "veg"})
    client.post("/meetings/2027/agenda", data={"item": [plenary.id, workshop_b.id]})
    page = client.post("/calendar/", data={"action": "create"}).get_data(as_text=True)
    feed_path = re.search(r'value="http://127\.0\.0\.1:5000(/calendar/feed/[^"]+)"', page).group(1)
    events = parse_both(client.get(feed_path).data)
    assert sorted(e["uid"] for e in events) == sorted([plenary.uid, workshop_b.uid])
    assert all("/join/" in e["location"] for e in events)
    assert helsinki(next(e for e in events if e["uid"] == plenary.uid)["start"]).hour == 9

    whole = parse_both(client.get("/calendar/meetings/2027.ics").data)
    assert len(whole) == 4 and {e["uid"] for e in whole} == {plenary.uid, workshop_a.uid, workshop_b.uid, next_day.uid}
    assert all(e["end"] - e["start"] == timedelta(minutes=50) for e in whole)  # items, not one multi-day block


def test_moving_an_item_emails_registrants_and_raises_its_sequence(client, auth, app, smtp_server):
    edition, (plenary, *_rest) = make_edition()
    services.register(edition, make_user("aino@example.org", locale="en"), "en", {_answer_keys(edition)["Diet"]: "veg"})
    deliver_due()
    smtp_server.messages.clear()
    services.save_item(edition, plenary, {**_item("Avaus", DAY + timedelta(minutes=30), None)})
    deliver_due()
    [message] = smtp_server.messages
    assert "Programme change" in message["Subject"] and plenary.sequence == 1
    [event] = [e for e in parse_both(client.get("/calendar/meetings/2027.ics").data) if e["uid"] == plenary.uid]
    assert event["sequence"] == 1 and helsinki(event["start"]).minute == 30


def test_participant_list_shows_only_those_who_consented_and_only_to_registrants(client, auth, app):
    edition, _items = make_edition()
    diet = _answer_keys(edition)["Diet"]
    services.register(edition, make_user("a@example.org", name="Listed Person"), "fi", {diet: "veg", "show-name": True})
    services.register(
        edition, make_user("b@example.org", name="Hidden Person"), "fi", {diet: "veg", "show-name": False}
    )
    make_user("outsider@example.org")
    auth.sign_in("outsider@example.org")
    assert client.get("/meetings/2027/participants").status_code == 403
    auth.sign_out()
    auth.sign_in("b@example.org")
    page = client.get("/meetings/2027/participants").get_data(as_text=True)
    assert "Listed Person" in page and "Hidden Person" not in page


def test_last_years_edition_stays_viewable_with_programme_and_materials(client, auth, app):
    edition, (plenary, *_rest) = make_edition(year=2026, starts_at=datetime(2026, 2, 10, 7, 0, tzinfo=UTC))
    person = make_user("aino@example.org")
    registration = Registration(
        session_id=edition.session_id, user_id=person.id, locale="fi", status=RegistrationStatus.CONFIRMED
    )
    db.session.add(registration)
    db.session.commit()
    services.add_material(edition, "Diat", plenary.id, "https://example.org/slides.pdf", None)
    edition.recording_url = "https://video.example.org/2026"
    db.session.commit()
    assert "Avaus" in client.get("/meetings/2026").get_data(as_text=True)
    auth.sign_in("aino@example.org")
    page = client.get("/meetings/2026").get_data(as_text=True)
    assert "https://example.org/slides.pdf" in page and "https://video.example.org/2026" in page
    assert "/meetings/2026" in client.get("/meetings/").get_data(as_text=True)


def test_feedback_form_summary_and_attendance_from_join_links(client, auth, app):
    from kaiku_training.events.links import join_url

    edition, _items = make_edition(starts_at=datetime.now(UTC) - timedelta(minutes=5))
    person = make_user("aino@example.org")
    registration = Registration(
        session_id=edition.session_id, user_id=person.id, locale="fi", status=RegistrationStatus.CONFIRMED
    )
    db.session.add(registration)
    db.session.commit()
    assert client.get(join_url(registration).replace("http://127.0.0.1:5000", "")).status_code == 302
    services.save_question(
        edition,
        None,
        form="feedback",
        kind="single",
        required=True,
        label={"en": "Useful?"},
        options=[{"key": "yes", "label": {"en": "Yes"}}, {"key": "no", "label": {"en": "No"}}],
    )
    edition.feedback_open = True
    db.session.commit()
    feedback_key = next(q.key for q in edition.questions if q.form == "feedback")
    auth.sign_in("aino@example.org")
    assert client.post("/meetings/2027/feedback", data={f"q-{feedback_key}": "yes"}).status_code == 302
    db.session.refresh(registration)
    assert registration.attendance == "attended"  # recorded when the join link was used
    auth.sign_out()
    make_user("admin@example.org", roles=[Role.ADMIN])
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get("/manage/meetings/2027/after").get_data(as_text=True)
    assert re.search(r"<th scope=\"row\">Yes</th><td>1</td>", page)


def test_only_admins_organise(client, auth, app):
    make_edition()
    make_user("trainer@example.org", roles=[Role.TRAINER])
    auth.sign_in("trainer@example.org")
    assert client.get("/manage/meetings/").status_code == 403
    assert client.get("/manage/meetings/2027/registrations.csv").status_code == 403


def test_current_edition_is_on_the_home_page(client, app):
    make_edition()
    client.set_cookie("kaiku_lang", "en")
    assert "Online meeting 2027" in client.get("/").get_data(as_text=True)
