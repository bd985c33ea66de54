"""Demo annual meetings: last year's, with its programme and a recording, and the coming one
with registration open and parallel workshops. Idempotent."""

from datetime import date, time

from flask import current_app

from ..accounts.services import find_user_by_email
from ..core.timeutil import local_to_utc, utcnow
from ..extensions import db
from ..meetings import services
from ..meetings.models import ItemKind, QuestionForm

PROGRAMME = [
    (
        time(9, 0),
        time(9, 30),
        ItemKind.TALK,
        None,
        {"fi": "Avaus ja vuoden katsaus", "sv": "Öppning och årsöversikt", "en": "Opening and the year in review"},
    ),
    (
        time(9, 30),
        time(10, 30),
        ItemKind.WORKSHOP,
        "A",
        {"fi": "Työpaja: uudet myöntäjät", "sv": "Verkstad: nya utdelare", "en": "Workshop: new issuers"},
    ),
    (
        time(9, 30),
        time(10, 30),
        ItemKind.WORKSHOP,
        "B",
        {
            "fi": "Työpaja: paikallinen viestintä",
            "sv": "Verkstad: lokal kommunikation",
            "en": "Workshop: local communications",
        },
    ),
    (time(10, 30), time(10, 45), ItemKind.BREAK, None, {"fi": "Tauko", "sv": "Paus", "en": "Break"}),
    (
        time(10, 45),
        time(11, 30),
        ItemKind.DISCUSSION,
        None,
        {"fi": "Yhteinen keskustelu", "sv": "Gemensam diskussion", "en": "Open discussion"},
    ),
]


def _edition_day(year: int) -> date:
    return date(year, 2, 10)


def edition_fields(year: int) -> dict:
    """A year's demo edition: the national online meeting, 9.00 to 11.30 on its day."""
    day, zone = _edition_day(year), current_app.config["TIMEZONE"]
    return {
        "title": {
            "fi": f"Kaikukortin valtakunnallinen verkkotapaaminen {year}",
            "sv": f"Kaikukortets riksomfattande webbmöte {year}",
            "en": f"Kaikukortti national online meeting {year}",
        },
        "description": {
            "fi": "Vuosittainen tapaaminen alueiden Kaikukortti-vastaaville.",
            "sv": "Den årliga träffen för de Kaikukortsansvariga i områdena.",
            "en": "The yearly meeting of the people responsible for Kaikukortti in each area.",
        },
        "meeting_url": "https://meet.example.org/kaiku-annual",
        "joining_instructions": {},
        "open_to_guests": True,
        "starts_at": local_to_utc(day, time(9, 0), zone),
        "ends_at": local_to_utc(day, time(11, 30), zone),
    }


def load_demo_meetings() -> int:
    """Create last year's and the coming edition if missing; return how many were added."""
    this_year = utcnow().year
    added = 0
    for year in (this_year, this_year + 1):
        if services.find_edition(year) is not None:
            continue
        day, zone = _edition_day(year), current_app.config["TIMEZONE"]
        edition = services.create_edition(year, edition_fields(year))
        for starts, ends, kind, track, title in PROGRAMME:
            services.save_item(
                edition,
                None,
                {
                    "title": title,
                    "description": {},
                    "kind": kind,
                    "track": track,
                    "speakers": None,
                    "starts_at": local_to_utc(day, starts, zone),
                    "ends_at": local_to_utc(day, ends, zone),
                },
            )
        services.save_question(
            edition,
            None,
            form=QuestionForm.FEEDBACK,
            kind="single",
            required=False,
            label={
                "fi": "Kuinka hyödyllinen tapaaminen oli?",
                "sv": "Hur nyttigt var mötet?",
                "en": "How useful was the meeting?",
            },
            options=[
                {"key": "very", "label": {"fi": "Erittäin", "sv": "Mycket", "en": "Very"}},
                {"key": "somewhat", "label": {"fi": "Jonkin verran", "sv": "Något", "en": "Somewhat"}},
                {"key": "not", "label": {"fi": "Ei juuri", "sv": "Knappt", "en": "Hardly"}},
            ],
        )
        if day < utcnow().date():
            edition.recording_url = "https://video.example.org/kaiku-annual"
            edition.feedback_open = True
            db.session.commit()
        else:
            coordinator = find_user_by_email("coordinator@example.org")
            if coordinator is not None:
                services.register(edition, coordinator, "fi", {"accessibility": "", "show-name": True})
        added += 1
    return added
