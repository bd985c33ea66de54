from datetime import UTC, datetime, timedelta

import pytest

from kaiku_training.accounts.models import Role
from kaiku_training.events.services import create_sessions
from tests.factories import make_user

FUTURE = datetime(2027, 2, 10, 8, 0, tzinfo=UTC)  # 10:00 in Helsinki


def make_session(capacity=20, starts_at=FUTURE, hours=2, **fields):
    template = {
        "title": {"fi": "Koulutus", "sv": "Utbildning", "en": "Training"},
        "description": {"fi": "Kuvaus", "en": "About it"},
        "meeting_url": "https://meet.example.org/abc",
        "joining_instructions": {"fi": "Liity ajoissa.", "en": "Join on time."},
        "capacity": capacity,
        **fields,
    }
    [session] = create_sessions(template, [], [(starts_at, starts_at + timedelta(hours=hours))])
    return session


@pytest.fixture
def trainer(app):
    return make_user("trainer@example.org", name="Tiina Kouluttaja", roles=[Role.TRAINER])


def ics_attachment(message):
    """(METHOD, bytes) of the calendar part of an email, or None."""
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method"), part.get_payload(decode=True)
    return None
