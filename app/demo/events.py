"""Demo live sessions: an open introduction, the pilot course's live session and a small
workshop, with the demo coordinator registered. Idempotent."""

from datetime import time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..accounts.services import find_user_by_email
from ..core.timeutil import local_to_utc, utcnow
from ..curriculum.services import find_course
from ..events import registrations, services
from ..events.models import TrainingSession
from ..extensions import db

DEMO_SESSIONS: list[dict[str, Any]] = [
    {
        "title": {
            "fi": "Kaikukortti tutuksi: avoin etäinfo",
            "sv": "Bekanta dig med Kaikukortet: öppen distansinfo",
            "en": "Getting to know Kaikukortti: an open remote briefing",
        },
        "description": {
            "fi": "Lyhyt esittely Kaikukortista kaikille kiinnostuneille. Lopuksi kysymyksiä ja keskustelua.",
            "sv": "En kort presentation av Kaikukortet för alla intresserade. Till sist frågor och diskussion.",
            "en": "A short introduction to Kaikukortti for anyone interested, followed by questions.",
        },
        "open_to_guests": True,
        "capacity": 40,
        "days_ahead": 7,
        "start": time(10, 0),
        "minutes": 60,
    },
    {
        "title": {
            "fi": "Kokeilun aloitus yhdessä tukipalvelun kanssa",
            "sv": "Pilotstart tillsammans med stödtjänsten",
            "en": "Starting a pilot together with the support service",
        },
        "description": {
            "fi": "Kurssin *Kaikukortti-kokeilu omalla paikkakunnalla* live-osuus.",
            "sv": "Den direktsända delen av kursen *Kaikukortet som pilot på din ort*.",
            "en": "The live part of the course *Running a Kaikukortti pilot in your locality*.",
        },
        "course": "running-a-pilot",
        "audience_roles": ["coordinator"],
        "capacity": 12,
        "days_ahead": 14,
        "start": time(13, 0),
        "minutes": 90,
    },
    {
        "title": {
            "fi": "Työpaja: paikallinen viestintä",
            "sv": "Verkstad: lokal kommunikation",
            "en": "Workshop: local communications",
        },
        "description": {
            "fi": "Esitteet, verkkosivu ja palauteosoite käytännössä.",
            "sv": "Broschyrer, webbsida och responsadress i praktiken.",
            "en": "Brochures, the local web page and the feedback address in practice.",
        },
        "capacity": 2,
        "days_ahead": 21,
        "start": time(9, 0),
        "minutes": 120,
    },
]
DEMO_MEETING_URL = "https://meet.example.org/kaiku-demo"


def load_demo_sessions() -> int:
    """Schedule the demo sessions that are missing; return how many were added."""
    trainer = find_user_by_email("trainer@example.org")
    zone = current_app.config["TIMEZONE"]
    added = 0
    for demo in DEMO_SESSIONS:
        if db.session.scalar(
            select(TrainingSession).where(
                TrainingSession.meeting_url == DEMO_MEETING_URL, TrainingSession.capacity == demo["capacity"]
            )
        ):
            continue
        day = (utcnow() + timedelta(days=demo["days_ahead"])).date()
        starts_at = local_to_utc(day, demo["start"], zone)
        course = find_course(demo["course"]) if "course" in demo else None
        template = {
            "title": demo["title"],
            "description": demo["description"],
            "meeting_url": DEMO_MEETING_URL,
            "joining_instructions": {
                "fi": "Liity tietokoneella selaimen kautta.",
                "sv": "Anslut med datorn via webbläsaren.",
                "en": "Join from a computer in your browser.",
            },
            "capacity": demo["capacity"],
            "open_to_guests": demo.get("open_to_guests", False),
            "audience_roles": demo.get("audience_roles", []),
            "course_id": course.id if course else None,
        }
        [session] = services.create_sessions(
            template, [trainer] if trainer else [], [(starts_at, starts_at + timedelta(minutes=demo["minutes"]))]
        )
        coordinator = find_user_by_email("coordinator@example.org")
        if coordinator is not None:
            registrations.register_person(session, coordinator, "fi")
        added += 1
    return added
