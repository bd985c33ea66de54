"""C7 and G2: a coordinator and a guest take part in the annual meeting, from registering with
answers to feedback and materials after it."""

from datetime import timedelta

from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.events.links import GUEST_CONFIRMATION_HOURS
from kaiku_training.events.models import Registration, RegistrationStatus
from kaiku_training.extensions import db
from kaiku_training.meetings import services
from kaiku_training.outbox.services import deliver_due
from tests.conftest import link_in
from tests.factories import make_area, make_user
from tests.journeys.conftest import set_language, sign_in
from tests.meetings.factories import add_file_material, make_meeting
from tests.smtp import text_of


def _after_the_meeting(edition):
    """What the organisers did after the meeting (journey A5): recording, feedback form, materials."""
    edition.recording_url = "https://video.example.org/2027"
    edition.feedback_open = True
    db.session.commit()
    return add_file_material(edition, "Diat", content=b"%PDF-1.4 slides")


def _emails_to(smtp_server, address):
    deliver_due()
    return [message for message in smtp_server.messages if message["To"] == address]


def test_c7_coordinator_registers_picks_an_agenda_changes_an_answer_and_gives_feedback_in_swedish(browser):
    edition, items, keys = make_meeting()
    make_user("aino@example.org", name="Aino Virtanen", area=make_area("Esimerkkilä"), roles=[Role.COORDINATOR])
    sign_in(browser, "aino@example.org")
    set_language(browser, "sv")

    page = browser.get("/meetings/2027")
    assert "Kost" in page.text and "Vegetarisk" in page.text and "Allt går bra" in page.text
    assert "Ruokavalio" not in page.text and "Kasvis" not in page.text
    assert "Behov som gäller tillgänglighet" in page.text  # the default questions too
    form = page.form("/meetings/2027/register")
    page = form.check(f"q-{keys['diet']}", "Vegetarisk").fill(**{"q-accessibility": "Textning, tack"}).submit()
    registration = db.session.scalar(select(Registration))
    assert registration.status == RegistrationStatus.CONFIRMED
    assert services.answers_of(registration) == {
        keys["diet"]: "o1",
        "accessibility": "Textning, tack",
        "show-name": False,
    }

    agenda = page.form("/meetings/2027/agenda")
    page = agenda.fill(item=[str(items["opening"].id), str(items["workshop_b"].id)]).submit()
    assert services.picked_item_ids(registration) == {items["opening"].id, items["workshop_b"].id}

    form = page.form("/meetings/2027/answers")
    assert form.values[f"q-{keys['diet']}"] == "o1"
    form.uncheck(f"q-{keys['diet']}").check(f"q-{keys['diet']}", "Allt går bra").submit()
    db.session.expire_all()
    assert services.answers_of(registration)[keys["diet"]] == "o0"

    material = _after_the_meeting(edition)
    page = browser.get("/meetings/2027")
    assert page.link("Inspelning") == "https://video.example.org/2027"
    download = page.follow("Diat")
    assert download.response.data == b"%PDF-1.4 slides"
    assert material.file_name in download.response.headers["Content-Disposition"]

    page = browser.get("/meetings/2027").follow("Ge respons")
    assert "Nytta" in page.text and "Nyttig" in page.text and "Hyödyllisyys" not in page.text
    form = page.form(button="Skicka respons")
    form.check(f"q-{keys['useful']}", "Nyttig").fill(**{f"q-{keys['greetings']}": "Tack!"}).submit()
    db.session.expire_all()
    answers = services.answers_of(registration)
    assert answers[keys["useful"]] == "o0" and answers[keys["greetings"]] == "Tack!"


def test_g2_guest_registers_confirms_and_gives_feedback_and_opens_materials_through_the_manage_link(
    browser, smtp_server
):
    edition, items, keys = make_meeting()
    set_language(browser, "en")
    page = browser.get("/meetings/2027")
    assert "Diet" in page.text and "Vegetarian" in page.text and "Ruokavalio" not in page.text
    form = page.form("/meetings/2027/guest")
    form.fill(name="Greta Guest", email="greta@example.org", organisation="City Library", area="Westville")
    page = form.check(f"q-{keys['diet']}", "Vegetarian").submit()
    assert "Check your email" in page.text
    registration = db.session.scalar(select(Registration))
    assert registration.status == RegistrationStatus.UNCONFIRMED
    assert services.answers_of(registration)[keys["diet"]] == "o1"

    [confirm_email] = _emails_to(smtp_server, "greta@example.org")
    page = browser.get(link_in(text_of(confirm_email)))
    db.session.expire_all()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert "Confirmed" in page.text
    for promise in ("personal agenda", "personal calendar feed", "Choose the parts"):
        assert promise not in page.text
    confirmed_email = text_of(_emails_to(smtp_server, "greta@example.org")[-1])
    assert "personal calendar feed" not in confirmed_email and "Choose the parts" not in confirmed_email
    assert "materials" in confirmed_email and "feedback" in confirmed_email
    manage_link = link_in(confirmed_email.split("feedback", 1)[1])

    _after_the_meeting(edition)
    page = browser.get(manage_link)
    assert page.link("Recording") == "https://video.example.org/2027"
    assert page.follow("Diat").response.data == b"%PDF-1.4 slides"
    page = page.follow("Give feedback")
    assert "Usefulness" in page.text and "Hyödyllisyys" not in page.text
    page = page.form(button="Send feedback").check(f"q-{keys['useful']}", "Not useful").submit()
    assert "Thank you for your feedback." in page.text
    db.session.expire_all()
    assert services.answers_of(registration)[keys["useful"]] == "o1"


def test_g2_guest_who_lost_the_confirmation_email_asks_for_it_again(browser, smtp_server):
    edition, items, keys = make_meeting()
    set_language(browser, "en")
    form = browser.get("/meetings/2027").form("/meetings/2027/guest")
    form.fill(name="Greta Guest", email="greta@example.org").check(f"q-{keys['diet']}", "Anything").submit()
    _emails_to(smtp_server, "greta@example.org")  # lost

    form = browser.get("/meetings/2027").form(button="Send the link again")
    answer = form.fill(**{"confirmation-email": "Greta@Example.org"}).submit().text
    assert "we have sent a new confirmation link" in answer
    [_lost, again] = _emails_to(smtp_server, "greta@example.org")
    form = browser.get("/meetings/2027").form(button="Send the link again")
    assert form.fill(**{"confirmation-email": "nobody@example.org"}).submit().text == answer.replace(
        "Greta@Example.org", "nobody@example.org"
    )  # tells nothing about who registered
    assert _emails_to(smtp_server, "nobody@example.org") == []

    browser.get(link_in(text_of(again)))
    assert db.session.scalar(select(Registration.status)) == RegistrationStatus.CONFIRMED


def test_g2_an_unconfirmed_registration_lapses_with_its_link_and_the_guest_can_register_again(
    browser, smtp_server, monkeypatch
):
    edition, items, keys = make_meeting()
    set_language(browser, "en")
    hours_ago = GUEST_CONFIRMATION_HOURS + 1
    with monkeypatch.context() as past:  # the guest registered two days ago
        real_timestamp = TimestampSigner.get_timestamp
        past.setattr(TimestampSigner, "get_timestamp", lambda signer: real_timestamp(signer) - hours_ago * 3600)
        form = browser.get("/meetings/2027").form("/meetings/2027/guest")
        form.fill(name="Greta Guest", email="greta@example.org").check(f"q-{keys['diet']}", "Anything").submit()
    first = db.session.scalar(select(Registration))
    first.created_at -= timedelta(hours=hours_ago)
    first.confirmation_sent_at -= timedelta(hours=hours_ago)
    db.session.commit()

    [old_email] = _emails_to(smtp_server, "greta@example.org")
    page = browser.get(link_in(text_of(old_email)), expect_status=410)
    assert "This confirmation link has expired" in page.text

    form = browser.get("/meetings/2027").form("/meetings/2027/guest")
    page = form.fill(name="Greta Guest", email="greta@example.org").check(f"q-{keys['diet']}", "Vegetarian").submit()
    assert "Check your email" in page.text
    db.session.expire_all()
    first, second = db.session.scalars(select(Registration).order_by(Registration.id)).all()
    assert first.status == RegistrationStatus.CANCELLED and second.status == RegistrationStatus.UNCONFIRMED
    new_email = _emails_to(smtp_server, "greta@example.org")[-1]
    browser.get(link_in(text_of(new_email)))
    db.session.expire_all()
    assert second.status == RegistrationStatus.CONFIRMED
    assert services.answers_of(second)[keys["diet"]] == "o1"
