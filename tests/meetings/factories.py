"""An annual meeting edition as organisers would have prepared it, for tests that start later."""

import io
from datetime import UTC, datetime, timedelta

from werkzeug.datastructures import FileStorage

from kaiku_training.events.registrations import confirm_guest
from kaiku_training.meetings import services
from kaiku_training.meetings.models import QuestionForm

DAY = datetime(2027, 5, 12, 6, 0, tzinfo=UTC)  # 09:00 in Helsinki


def _item(title: dict, starts_at, track=None, kind="talk"):
    return {
        "title": title,
        "description": {},
        "kind": kind,
        "track": track,
        "speakers": None,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=50),
    }


def _options(*labels):
    return [
        {"key": f"o{number}", "label": dict(zip(("fi", "sv", "en"), texts, strict=False))}
        for number, texts in enumerate(labels)
    ]


def make_meeting(year=2027, starts_at=DAY, **fields):
    """An edition open to guests with a plenary, two parallel workshops, a required diet
    question and two feedback questions. Returns (edition, items by name, question keys by name)."""
    edition = services.create_edition(
        year,
        {
            "title": {"fi": f"Verkkotapaaminen {year}", "sv": f"Webbmötet {year}", "en": f"Online meeting {year}"},
            "description": {},
            "meeting_url": "https://meet.example.org/annual",
            "joining_instructions": {},
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=6),
            "open_to_guests": True,
            **fields,
        },
    )
    items = {
        "opening": services.save_item(
            edition, None, _item({"fi": "Avaus", "sv": "Öppning", "en": "Opening"}, starts_at)
        ),
        "workshop_a": services.save_item(
            edition,
            None,
            _item(
                {"fi": "Työpaja A", "sv": "Workshop A", "en": "Workshop A"},
                starts_at + timedelta(hours=1),
                "A",
                "workshop",
            ),
        ),
        "workshop_b": services.save_item(
            edition,
            None,
            _item(
                {"fi": "Työpaja B", "sv": "Workshop B", "en": "Workshop B"},
                starts_at + timedelta(hours=1),
                "B",
                "workshop",
            ),
        ),
    }
    diet = services.save_question(
        edition,
        None,
        form=QuestionForm.REGISTRATION,
        kind="single",
        required=True,
        label={"fi": "Ruokavalio", "sv": "Kost", "en": "Diet"},
        options=_options(("Kaikki käy", "Allt går bra", "Anything"), ("Kasvis", "Vegetarisk", "Vegetarian")),
    )
    useful = services.save_question(
        edition,
        None,
        form=QuestionForm.FEEDBACK,
        kind="single",
        required=True,
        label={"fi": "Hyödyllisyys", "sv": "Nytta", "en": "Usefulness"},
        options=_options(("Hyödyllinen", "Nyttig", "Useful"), ("Ei hyödyllinen", "Inte nyttig", "Not useful")),
    )
    greetings = services.save_question(
        edition,
        None,
        form=QuestionForm.FEEDBACK,
        kind="long_text",
        required=False,
        label={"fi": "Terveiset", "sv": "Hälsningar", "en": "Anything else"},
        options=[],
    )
    return edition, items, {"diet": diet.key, "useful": useful.key, "greetings": greetings.key}


def register_guest(edition, name, email, organisation="", area="", answers=None, confirm=True):
    registration = services.register_guest(
        edition, {"name": name, "email": email, "organisation": organisation, "area": area}, "fi", answers or {}
    )
    return confirm_guest(registration) if confirm else registration


def add_file_material(edition, title="Diat", item=None, content=b"%PDF-1.4 slides", file_name="slides.pdf"):
    upload = FileStorage(io.BytesIO(content), filename=file_name)
    return services.add_material(edition, title, item.id if item else None, None, upload)
