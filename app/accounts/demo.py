"""Demo areas and the three demo accounts named in the README. Loading twice changes nothing."""
from datetime import date

from ..extensions import db
from . import services
from .models import Area, AreaKind, AreaStatus, Role, Sector

DEMO_PASSWORD = "kaiku-demo"

DEMO_AREAS = [
    {"name_fi": "Esimerkkikaupunki", "name_sv": "Exempelstad", "name_en": "Example City",
     "kind": AreaKind.CITY, "status": AreaStatus.PERMANENT,
     "pilot_started_on": date(2019, 9, 1), "permanent_since": date(2021, 1, 1)},
    {"name_fi": "Esimerkkikunta", "name_sv": "Exempelkommun", "name_en": "Example Municipality",
     "kind": AreaKind.MUNICIPALITY, "status": AreaStatus.PILOT, "pilot_started_on": date(2026, 2, 1)},
    {"name_fi": "Esimerkkiseutu", "name_sv": "Exempelregionen", "name_en": "Example Sub-region",
     "kind": AreaKind.SUB_REGION, "status": AreaStatus.PERMANENT,
     "pilot_started_on": date(2020, 3, 1), "permanent_since": date(2022, 1, 1)},
    {"name_fi": "Esimerkin hyvinvointialue", "name_sv": "Exempel välfärdsområde",
     "name_en": "Example Wellbeing Services County", "kind": AreaKind.WELLBEING_COUNTY,
     "status": AreaStatus.PILOT, "pilot_started_on": date(2025, 8, 1)},
]

DEMO_PEOPLE = [
    {"email": "admin@example.org", "name": "Aino Esimerkki", "roles": [Role.ADMIN],
     "area": "Esimerkkikaupunki", "sector": Sector.CULTURE, "locale": "fi"},
    {"email": "trainer@example.org", "name": "Eero Esimerkki", "roles": [Role.TRAINER],
     "area": "Esimerkkikaupunki", "sector": Sector.CULTURE, "locale": "fi"},
    {"email": "coordinator@example.org", "name": "Kaisa Esimerkki", "roles": [Role.COORDINATOR],
     "area": "Esimerkkikunta", "sector": Sector.SOCIAL_HEALTH, "locale": "fi"},
]


def load_demo_data() -> tuple[int, int]:
    """Create whatever demo areas and people are missing; return how many of each were added."""
    added_areas = added_people = 0
    for fields in DEMO_AREAS:
        if services.find_area_by_name(fields["name_fi"]) is None:
            db.session.add(Area(**fields))
            added_areas += 1
    db.session.flush()
    for fields in DEMO_PEOPLE:
        if services.find_user_by_email(fields["email"]) is None:
            area = services.find_area_by_name(fields["area"])
            services.create_user(**{**fields, "area": area}, password=DEMO_PASSWORD)
            added_people += 1
    db.session.commit()
    return added_areas, added_people
