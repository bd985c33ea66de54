"""A4 and A5: an admin prepares next year's annual meeting edition, then follows its
registrations, messages the registrants and, after the meeting, shares materials and reads
the feedback."""

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from kaiku_training.accounts.models import Role, Sector
from kaiku_training.extensions import db
from kaiku_training.meetings import services
from kaiku_training.meetings.models import Material, MeetingEdition, ProgrammeItem, QuestionForm, agenda_pick
from kaiku_training.outbox.services import deliver_due
from tests.factories import make_area, make_user
from tests.journeys.conftest import set_language, sign_in
from tests.meetings.factories import DAY, make_meeting, register_guest
from tests.smtp import text_of


def _add_item(browser, title, start, end, track=""):
    form = browser.get("/manage/meetings/2027/programme").form("/manage/meetings/2027/programme", button="Save")
    return form.fill(
        title_fi=title,
        title_en=title,
        kind=form.option_value("kind", "Workshop" if track else "Talk"),
        track=track,
        day="2027-05-12",
        start_time=start,
        end_time=end,
    ).submit()


def _add_question(browser, form_label, kind_label, label_fi, label_en, options="", required=False):
    form = browser.get("/manage/meetings/2027/questions").form("/manage/meetings/2027/questions", button="Save")
    form.fill(
        form=form.option_value("form", form_label),
        kind=form.option_value("kind", kind_label),
        label_fi=label_fi,
        label_en=label_en,
        options=options,
    )
    if required:
        form.check("required", "required")
    return form.submit()


def test_a4_admin_creates_an_edition_builds_the_programme_and_questions_and_opens_it_to_guests(browser, new_browser):
    make_user("admin@example.org", name="Aino Admin", roles=[Role.ADMIN])
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")
    form = browser.get("/manage/meetings/new").form(button="Save")
    page = form.fill(
        year="2027",
        title_fi="Valtakunnallinen verkkotapaaminen 2027",
        title_en="National online meeting 2027",
        day="2027-05-12",
        start_time="09:00",
        end_time="15:00",
        meeting_url="https://meet.example.org/annual",
    ).submit()
    edition = db.session.scalar(select(MeetingEdition).where(MeetingEdition.year == 2027))
    assert edition is not None, page.text[:800]
    assert "National online meeting 2027" in page.text

    form = browser.get("/manage/meetings/2027/edit").form(button="Save")
    assert form.values["title_en"] == "National online meeting 2027"
    form.fill(title_en="National online meeting 2027: the card in every area", capacity="300").submit()
    db.session.expire_all()
    assert edition.session.title["en"] == "National online meeting 2027: the card in every area"
    assert edition.session.capacity == 300

    _add_item(browser, "Avaus", "09:00", "09:30")
    _add_item(browser, "Työpaja A: kulttuuri", "09:45", "11:00", track="Workshop A")
    page = _add_item(browser, "Työpaja B: sote", "09:45", "11:00", track="Workshop B")
    assert "Workshop A" in page.text and "Workshop B" in page.text
    items = db.session.scalars(select(ProgrammeItem).order_by(ProgrammeItem.id)).all()
    assert [(item.title["fi"], item.track) for item in items] == [
        ("Avaus", None),
        ("Työpaja A: kulttuuri", "Workshop A"),
        ("Työpaja B: sote", "Workshop B"),
    ]
    assert items[1].starts_at == items[2].starts_at == DAY + timedelta(minutes=45)

    page = _add_question(
        browser,
        "Registration",
        "Single choice",
        "Ruokavalio",
        "Diet",
        options="Kaikki käy | Allt går bra | Anything\nKasvis | Vegetarisk | Vegetarian",
        required=True,
    )
    assert "Diet" in page.text, page.errors()
    _add_question(
        browser,
        "Feedback",
        "Single choice",
        "Hyödyllisyys",
        "How useful was the meeting?",
        options="Hyödyllinen | Nyttig | Useful\nEi hyödyllinen | Inte nyttig | Not useful",
    )
    _add_question(browser, "Feedback", "Long text", "Terveiset", "Anything else?")
    db.session.expire_all()
    diet = next(q for q in edition.questions if q.label["en"] == "Diet")
    assert diet.form == QuestionForm.REGISTRATION and diet.required
    assert [option["label"] for option in diet.options] == [
        {"fi": "Kaikki käy", "sv": "Allt går bra", "en": "Anything"},
        {"fi": "Kasvis", "sv": "Vegetarisk", "en": "Vegetarian"},
    ]
    assert [q.label["en"] for q in services.questions(edition, QuestionForm.FEEDBACK)] == [
        "How useful was the meeting?",
        "Anything else?",
    ]

    form = browser.get("/manage/meetings/2027/edit").form(button="Save")
    form.check("open_to_guests", "guests").submit()
    db.session.expire_all()
    assert edition.session.open_to_guests

    guest = new_browser()  # the public page as a guest sees it
    set_language(guest, "en")
    page = guest.get("/meetings/2027")
    assert page.form("/meetings/2027/guest").names  # the guest registration form is offered
    assert "Diet" in page.text and "Vegetarian" in page.text and "Ruokavalio" not in page.text


def test_a4_removing_a_programme_item_asks_first_and_says_how_many_agendas_have_it(browser):
    edition, items, keys = make_meeting()
    for email in ("aino@example.org", "bertil@example.org"):
        registration = services.register(edition, make_user(email), "fi", {keys["diet"]: "o0"})
        services.set_agenda(registration, edition, {items["opening"].id, items["workshop_a"].id})
    make_user("admin@example.org", roles=[Role.ADMIN])
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")

    page = browser.get("/manage/meetings/2027/programme").follow("Remove Workshop A")
    assert "2 registrants have it in their personal agenda" in page.text
    assert db.session.get(ProgrammeItem, items["workshop_a"].id) is not None  # nothing removed yet
    page = page.form(button="Remove").submit()
    assert "The item was removed from the programme." in page.text
    db.session.expire_all()
    assert db.session.get(ProgrammeItem, items["workshop_a"].id) is None
    assert db.session.execute(select(agenda_pick.c.item_id)).scalars().all() == [items["opening"].id] * 2


def test_a5_admin_follows_registrations_messages_the_filtered_ones_and_shares_materials(browser, smtp_server):
    edition, items, keys = make_meeting()
    north, south = make_area("Pohjoinen", name_en="North"), make_area("Etelä", name_en="South")
    people = [
        make_user("aino@example.org", name="Aino Aalto", area=north, sector=Sector.CULTURE),
        make_user("bertil@example.org", name="Bertil Berg", area=north, sector=Sector.SOCIAL_HEALTH),
        make_user("cecilia@example.org", name="Cecilia Carlsson", area=south, sector=Sector.CULTURE),
    ]
    registrations = [services.register(edition, person, "fi", {keys["diet"]: "o1"}) for person in people]
    guest = register_guest(
        edition,
        "Greta Gästinen",
        "greta@example.org",
        organisation="Kirjasto Kirjava",
        area="Länsi",
        answers={keys["diet"]: "o0"},
    )
    make_user("admin@example.org", name="Aino Admin", roles=[Role.ADMIN])
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")

    page = browser.get("/manage/meetings/2027/registrations")
    assert "4 registrations" in page.text
    for count in ("North 2", "South 1", "Länsi 1", "Culture 2", "Social and health services 1"):
        assert count in page.text
    assert "Kirjasto Kirjava" in page.text  # the guest's organisation

    rows = list(
        csv.reader(io.StringIO(page.follow("Download as CSV").response.data.decode("utf-8-sig")), delimiter=";")
    )
    header, *registrants = rows
    assert header[:8] == ["Name", "Email", "Area", "Organisation", "Sector", "Status", "Attendance", "Registered"]
    assert "Diet" in header and registrants[0][5] == "Confirmed"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", registrants[0][7])  # Finnish time, not UTC ISO
    assert [row[:5] for row in registrants] == [
        ["Aino Aalto", "aino@example.org", "North", "", "Culture"],
        ["Bertil Berg", "bertil@example.org", "North", "", "Social and health services"],
        ["Cecilia Carlsson", "cecilia@example.org", "South", "", "Culture"],
        ["Greta Gästinen", "greta@example.org", "Länsi", "Kirjasto Kirjava", ""],
    ]
    assert registrants[3][header.index("Diet")] == "Anything"

    filters = page.form("/manage/meetings/2027/registrations", button="Filter")
    page = filters.fill(area=filters.option_value("area", "North")).submit()
    assert "2 registrations" in page.text and "Cecilia" not in page.text
    page = page.form(button="Continue").fill(subject="Tervetuloa", body="Nähdään toukokuussa!").submit()
    assert "This message goes to 2 registrants" in page.text and "Aino Aalto" in page.text
    assert not smtp_server.messages and "Cecilia" not in page.text
    page = page.form(button="Send to 2 registrants").submit()
    assert "The message is queued for 2 registrants." in page.text
    assert "2 registrations" in page.text  # back at the filtered list
    deliver_due()
    messages = [message for message in smtp_server.messages if "Tervetuloa" in message["Subject"]]
    assert sorted(message["To"] for message in messages) == ["aino@example.org", "bertil@example.org"]
    assert {message["Reply-To"] for message in messages} == {"admin@example.org"}
    assert "Nähdään toukokuussa!" in text_of(messages[0])

    # After the meeting: the recording, the feedback form, materials.
    page = browser.get("/manage/meetings/2027/after")
    form = page.form(button="Save").fill(**{"recording-recording_url": "https://video.example.org/2027"})
    page = form.check("recording-feedback_open", "feedback").submit()
    db.session.expire_all()
    assert edition.recording_url == "https://video.example.org/2027" and edition.feedback_open
    form = page.form(button="Add")
    page = form.fill(
        **{
            "material-title": "Diat",
            "material-item_id": form.option_value("material-item_id", "Opening"),
            "material-file": (b"%PDF-1.4 slides", "slides.pdf"),
        }
    ).submit()
    form = page.form(button="Add")
    page = form.fill(**{"material-title": "Lisälukemista", "material-url": "https://example.org/reading"}).submit()
    materials = db.session.scalars(select(Material).order_by(Material.id)).all()
    assert [(m.title, m.item_id, m.file_name, m.url) for m in materials] == [
        ("Diat", items["opening"].id, "slides.pdf", None),
        ("Lisälukemista", None, None, "https://example.org/reading"),
    ]
    assert (services.materials_folder() / materials[0].stored_as).read_bytes() == b"%PDF-1.4 slides"
    assert "Diat" in page.text and "Lisälukemista" in page.text

    page = page.follow("Remove Lisälukemista")
    assert "Registrants can no longer open it" in page.text
    page = page.form(button="Remove").submit()
    assert "The material was removed." in page.text
    assert db.session.scalars(select(Material.title)).all() == ["Diat"]

    for registration, useful, greeting in (
        (registrations[0], "o0", "Kiitos!"),
        (guest, "o0", ""),
        (registrations[1], "o1", "Liian pitkä"),
    ):
        services.save_answers(
            registration, edition, QuestionForm.FEEDBACK, {keys["useful"]: useful, keys["greetings"]: greeting}
        )
    page = browser.get("/manage/meetings/2027/after")
    assert "Usefulness 3 answers" in page.text
    assert "Useful 2" in page.text and "Not useful 1" in page.text
    assert "Kiitos!" in page.text and "Liian pitkä" in page.text


def test_a4_a_programme_time_the_clocks_repeat_is_refused_not_guessed(browser):
    make_meeting()
    make_user("admin@example.org", roles=[Role.ADMIN])
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")
    form = browser.get("/manage/meetings/2027/programme").form("/manage/meetings/2027/programme", button="Save")
    page = form.fill(
        title_fi="Yöohjelma",
        kind=form.option_value("kind", "Talk"),
        day="2027-10-31",
        start_time="03:30",
        end_time="05:00",
    ).submit()
    assert "This time occurs twice on that day as the clocks go back" in page.text
    assert db.session.scalar(select(ProgrammeItem).where(ProgrammeItem.title["fi"].as_string() == "Yöohjelma")) is None
