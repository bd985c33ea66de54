"""Demo areas, the demo accounts named in the README, and a few colleagues without a password
who give the reports something to show. Loading twice changes nothing."""

from datetime import date
from typing import Any

from ..accounts import services
from ..accounts.models import Area, AreaKind, AreaStatus, Role, Sector
from ..extensions import db

DEMO_PASSWORD = "kaiku-demo"

DEMO_AREAS: list[dict[str, Any]] = [
    {
        "name_fi": "Esimerkkikaupunki",
        "name_sv": "Exempelstad",
        "name_en": "Example City",
        "kind": AreaKind.CITY,
        "status": AreaStatus.PERMANENT,
        "pilot_started_on": date(2019, 9, 1),
        "permanent_since": date(2021, 1, 1),
    },
    {
        "name_fi": "Esimerkkikunta",
        "name_sv": "Exempelkommun",
        "name_en": "Example Municipality",
        "kind": AreaKind.MUNICIPALITY,
        "status": AreaStatus.PILOT,
        "pilot_started_on": date(2026, 2, 1),
    },
    {
        "name_fi": "Esimerkkiseutu",
        "name_sv": "Exempelregionen",
        "name_en": "Example Sub-region",
        "kind": AreaKind.SUB_REGION,
        "status": AreaStatus.PERMANENT,
        "pilot_started_on": date(2020, 3, 1),
        "permanent_since": date(2022, 1, 1),
    },
    {
        "name_fi": "Esimerkin hyvinvointialue",
        "name_sv": "Exempel välfärdsområde",
        "name_en": "Example Wellbeing Services County",
        "kind": AreaKind.WELLBEING_COUNTY,
        "status": AreaStatus.PILOT,
        "pilot_started_on": date(2025, 8, 1),
    },
]

DEMO_PEOPLE: list[dict[str, Any]] = [
    {
        "email": "admin@example.org",
        "name": "Aino Esimerkki",
        "roles": [Role.ADMIN],
        "area": "Esimerkkikaupunki",
        "sector": Sector.CULTURE,
        "locale": "fi",
    },
    {
        "email": "trainer@example.org",
        "name": "Eero Esimerkki",
        "roles": [Role.TRAINER],
        "area": "Esimerkkikaupunki",
        "sector": Sector.CULTURE,
        "locale": "fi",
    },
    {
        "email": "coordinator@example.org",
        "name": "Kaisa Esimerkki",
        "roles": [Role.COORDINATOR],
        "area": "Esimerkkikunta",
        "sector": Sector.SOCIAL_HEALTH,
        "locale": "fi",
    },
    {
        "email": "arealead@example.org",
        "name": "Leena Esimerkki",
        "roles": [Role.AREA_LEAD, Role.COORDINATOR],
        "area": "Esimerkkikunta",
        "sector": Sector.CULTURE,
        "locale": "fi",
    },
]

# Colleagues cannot sign in (no password); the curriculum demo gives them progress.
DEMO_COLLEAGUES: list[dict[str, Any]] = [
    {
        "email": "matti.virtanen@example.org",
        "name": "Matti Virtanen",
        "area": "Esimerkkikunta",
        "sector": Sector.WELLBEING,
        "locale": "fi",
    },
    {
        "email": "sanna.korhonen@example.org",
        "name": "Sanna Korhonen",
        "area": "Esimerkkikaupunki",
        "sector": Sector.SOCIAL_HEALTH,
        "locale": "fi",
    },
    {
        "email": "johan.lindqvist@example.org",
        "name": "Johan Lindqvist",
        "area": "Esimerkkiseutu",
        "sector": Sector.CULTURE,
        "locale": "sv",
    },
    {
        "email": "anna.nieminen@example.org",
        "name": "Anna Nieminen",
        "area": "Esimerkin hyvinvointialue",
        "sector": Sector.SOCIAL_HEALTH,
        "locale": "fi",
    },
    {
        "email": "emma.holm@example.org",
        "name": "Emma Holm",
        "area": "Esimerkkiseutu",
        "sector": Sector.SOCIAL_HEALTH,
        "locale": "sv",
    },
    {
        "email": "pekka.makinen@example.org",
        "name": "Pekka Mäkinen",
        "area": "Esimerkkikaupunki",
        "sector": Sector.CULTURE,
        "locale": "fi",
    },
]


def load_demo_data() -> tuple[int, int]:
    """Create whatever demo areas and people are missing; return how many of each were added."""
    added_areas = added_people = 0
    for fields in DEMO_AREAS:
        if services.find_area_by_name(fields["name_fi"]) is None:
            db.session.add(Area(**fields))
            added_areas += 1
    db.session.flush()
    for fields, password in [(fields, DEMO_PASSWORD) for fields in DEMO_PEOPLE] + [
        ({**fields, "roles": [Role.COORDINATOR]}, None) for fields in DEMO_COLLEAGUES
    ]:
        if services.find_user_by_email(fields["email"]) is None:
            area = services.find_area_by_name(fields["area"])
            services.create_user(**{**fields, "area": area}, password=password)
            added_people += 1
    db.session.commit()
    return added_areas, added_people
