"""A4: an admin creates next year's annual meeting edition and edits its details."""
from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.meetings.models import MeetingEdition
from tests.factories import make_user
from tests.journeys.conftest import set_language, sign_in


def test_a4_admin_creates_and_edits_an_edition(browser):
    make_user("admin@example.org", name="Aino Admin", roles=[Role.ADMIN])
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")
    form = browser.get("/manage/meetings/new").form(button="Save")
    page = form.fill(year="2027", title_fi="Valtakunnallinen verkkotapaaminen 2027",
                     title_en="National online meeting 2027", day="2027-05-12", start_time="09:00",
                     end_time="15:00", meeting_url="https://meet.example.org/annual").submit()
    edition = db.session.scalar(select(MeetingEdition).where(MeetingEdition.year == 2027))
    assert edition is not None, page.text[:800]
    assert "National online meeting 2027" in page.text

    form = browser.get("/manage/meetings/2027/edit").form(button="Save")
    assert form.values["title_en"] == "National online meeting 2027"
    form.fill(title_en="National online meeting 2027: the card in every area", capacity="300").submit()
    db.session.expire_all()
    assert edition.session.title["en"] == "National online meeting 2027: the card in every area"
    assert edition.session.capacity == 300
