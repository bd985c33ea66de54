"""Admin journeys about people: A1 invite and reset, A2 CSV import, A3 edit and deactivate,
A6 outbox and audit log, A7 erase; and people search and order with Å, Ä and Ö."""

from sqlalchemy import select

from kaiku_training.accounts import services as accounts
from kaiku_training.accounts.models import Role, Sector, User
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage, OutboxStatus
from kaiku_training.outbox.services import deliver_due
from tests.conftest import free_port, link_in
from tests.factories import make_area, make_user
from tests.journeys.conftest import set_language, sign_in
from tests.reports.conftest import population  # noqa: F401  (a fixture)
from tests.smtp import text_of

NEW_PASSWORD = "a fresh long passphrase"


def _admin_signed_in(browser, email="admin@example.org"):
    if accounts.find_user_by_email(email) is None:
        make_user(email, name="Ada Admin", roles=[Role.ADMIN])
    sign_in(browser, email)
    set_language(browser, "en")


def _person(email) -> User:
    db.session.expire_all()
    return accounts.find_user_by_email(email)


def _emailed_link(smtp_server, recipient) -> str:
    deliver_due()
    [message] = [m for m in smtp_server.messages if m["To"] == recipient][-1:]
    return link_in(text_of(message))


def test_a1_invited_person_sets_a_password_signs_in_and_resets_a_forgotten_one(browser, new_browser, smtp_server):
    area = make_area("Kuopio", name_sv="Kuopio", name_en="Kuopio")
    _admin_signed_in(browser)
    form = browser.get("/manage/people").follow("Invite a person").form(button="Send the invitation")
    form.fill(
        email="Maija.Meikalainen@Example.org",
        name="Maija Meikäläinen",
        locale="en",
        area_id=form.option_value("area_id", "Kuopio"),
        sector=Sector.CULTURE,
    )
    page = form.check("roles", "Coordinator").submit()
    assert "Invitation queued for maija.meikalainen@example.org" in page.text
    person = _person("maija.meikalainen@example.org")
    assert person.roles == {Role.COORDINATOR} and person.area_id == area.id and person.password_hash is None

    invitee = new_browser()
    set_language(invitee, "en")
    page = invitee.get(_emailed_link(smtp_server, "maija.meikalainen@example.org"))
    page = page.form("/invitation/").fill(password=NEW_PASSWORD, confirm=NEW_PASSWORD).submit()
    assert "Welcome! Your account is ready and you are signed in." in page.text
    assert "Maija Meikäläinen" in page.text
    invitee.get("/").form("/sign-out").submit()
    assert "Training record" not in sign_in(invitee, "maija.meikalainen@example.org", NEW_PASSWORD).text
    assert _person("maija.meikalainen@example.org").last_sign_in_at is not None

    # She forgets the password: the sign-in page leads to a reset link by email.
    invitee.get("/").form("/sign-out").submit()
    page = invitee.get("/sign-in").follow("Forgot your password?")
    page = page.form("/password/forgot").fill(email="maija.meikalainen@example.org").submit()
    assert "If an account uses that address, we have sent it a link" in page.text
    reset_link = _emailed_link(smtp_server, "maija.meikalainen@example.org")
    page = (
        invitee.get(reset_link)
        .form("/password/reset/")
        .fill(password="another passphrase here", confirm="another passphrase here")
        .submit()
    )
    assert "Your password has been changed and you are signed in." in page.text
    invitee.get(reset_link, expect_status=410)  # the link works once
    invitee.get("/").form("/sign-out").submit()
    page = sign_in(invitee, "maija.meikalainen@example.org", NEW_PASSWORD)
    assert "The email or password is wrong." in page.text
    page = sign_in(invitee, "maija.meikalainen@example.org", "another passphrase here")
    assert "My account" in page.text


BAD_CSV = """email;name;area;sector;language
ok@example.org;Olli Oikea;Kuopio;culture;fi
not-an-email;Nimi Puuttuu;Kuopio;culture;fi
ok@example.org;Olli Kahdesti;Kuopio;culture;fi
third@example.org;;Nowhere;banks;de
"""

GOOD_CSV = """email;name;area;sector;language
ok@example.org;Olli Oikea;kuopio;culture;fi
second@example.org;Åsa Öberg;äänekoski;sote;sv
third@example.org;Ähtäri Ärrä;åland;hyvinvointi;en
"""


def test_a2_import_refuses_a_file_with_bad_rows_and_imports_the_corrected_one(browser, smtp_server):
    kuopio = make_area("Kuopio", name_sv="Kuopio", name_en="Kuopio")
    aanekoski = make_area("Äänekoski", name_sv="Äänekoski", name_en="Äänekoski")
    aland = make_area("Ahvenanmaa", name_sv="Åland", name_en="Åland Islands")
    _admin_signed_in(browser)
    form = browser.get("/manage/people").follow("Import coordinators from a CSV file").form(button="Import")
    page = form.fill(file=(BAD_CSV.encode(), "people.csv")).submit()
    assert "Nothing was imported. Fix these rows:" in page.text
    for problem in (
        "not-an-email is not a valid email address.",
        "ok@example.org appears twice in the file.",
        "The name is missing.",
        "Unknown area: Nowhere.",
        "Unknown sector: banks.",
        "Unknown language: de",
    ):
        assert problem in page.text, problem
    assert db.session.scalar(select(User).where(User.email == "ok@example.org")) is None

    form = page.form(button="Import")
    page = form.fill(file=(GOOD_CSV.encode("utf-8-sig"), "people.csv")).submit()
    assert "3 coordinators imported and invited." in page.text
    imported = {email: _person(email) for email in ("ok@example.org", "second@example.org", "third@example.org")}
    assert imported["ok@example.org"].area_id == kuopio.id
    assert imported["second@example.org"].area_id == aanekoski.id
    assert imported["second@example.org"].sector == Sector.SOCIAL_HEALTH
    assert imported["third@example.org"].area_id == aland.id and imported["third@example.org"].locale == "en"
    assert all(person.roles == {Role.COORDINATOR} for person in imported.values())
    deliver_due()
    assert {m["To"] for m in smtp_server.messages} == set(imported)


def test_a3_admin_edits_roles_area_and_sector_and_deactivates_a_person(browser, new_browser):
    make_area("Oulu", name_sv="Uleåborg", name_en="Oulu")
    person = make_user("kalle@example.org", name="Kalle Koordinaattori")
    theirs = new_browser()
    set_language(theirs, "en")
    sign_in(theirs, "kalle@example.org")
    _admin_signed_in(browser)

    page = browser.get("/manage/people", query={"q": "kalle"}).follow("Kalle Koordinaattori")
    form = page.form(button="Save")
    assert form.values.getlist("roles") == [Role.COORDINATOR]
    form.check("roles", "Trainer").fill(area_id=form.option_value("area_id", "Oulu"), sector=Sector.WELLBEING)
    page = form.submit()
    assert "Saved." in page.text
    person = _person("kalle@example.org")
    assert person.roles == {Role.COORDINATOR, Role.TRAINER}
    assert person.area.name_fi == "Oulu" and person.sector == Sector.WELLBEING

    page = page.form(button="Deactivate").submit()
    assert "Kalle Koordinaattori has been deactivated; their history is kept." in page.text
    assert _person("kalle@example.org").active is False
    page = browser.get("/manage/people", query={"status": "inactive"})
    assert "Kalle Koordinaattori" in page.text and "Deactivated" in page.text
    assert "Kalle" not in browser.get("/manage/people").text  # the list shows active people by default
    # Their open session ends, and they can no longer sign in.
    assert "/sign-in" in theirs.get("/account").url
    assert "The email or password is wrong." in sign_in(theirs, "kalle@example.org").text


def test_people_search_folds_case_of_every_letter_and_sorts_as_in_finnish(browser):
    for name in ("Östen Örn", "Åke Åberg", "Ärmi Äijälä", "Zeta Zoo", "Aino Aalto", "Üla Ürgen"):
        make_user(name=name)
    _admin_signed_in(browser)
    for query, name in (
        ("åke", "Åke Åberg"),
        ("ÅBERG", "Åke Åberg"),
        ("äijä", "Ärmi Äijälä"),
        ("örn", "Östen Örn"),
        ("ürgen", "Üla Ürgen"),
    ):
        page = browser.get("/manage/people", query={"q": query})
        assert name in page.text, (query, page.text[-600:])
        assert "1 person" in page.text
    page = browser.get("/manage/people")
    names = [link.get_text(strip=True) for link in page.soup.select("tbody td:first-child a")]
    assert names == ["Ada Admin", "Aino Aalto", "Üla Ürgen", "Zeta Zoo", "Åke Åberg", "Ärmi Äijälä", "Östen Örn"]


def test_a6_admin_reads_the_outbox_retries_a_failed_email_and_reads_the_audit_log(app, browser, smtp_server):
    _admin_signed_in(browser)
    form = browser.get("/manage/people/invite").form(button="Send the invitation")
    form.fill(email="late@example.org", name="Liisa Myöhäinen", locale="fi").check("roles", "Coordinator").submit()
    # The mail server cannot be reached: after the last attempt the email is marked failed.
    working_port = app.config["MAIL_PORT"]
    app.config.update(MAIL_PORT=free_port(), OUTBOX_MAX_ATTEMPTS=1)
    deliver_due()
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "late@example.org"))
    assert message.status == OutboxStatus.FAILED and not smtp_server.messages

    page = browser.get("/manage/outbox/").follow("Failed (1)")
    assert "late@example.org" in page.text
    page = page.follow("Kutsu")  # the subject, in the invitee's language
    assert "ConnectionRefusedError" in page.text
    page = page.form(button="Try again").submit()
    assert "The message will be sent on the next delivery run." in page.text
    db.session.expire_all()
    assert message.status == OutboxStatus.QUEUED

    app.config["MAIL_PORT"] = working_port  # the server is up again
    deliver_due()
    db.session.expire_all()
    assert message.status == OutboxStatus.SENT
    assert [m["To"] for m in smtp_server.messages] == ["late@example.org"]
    assert "Sent" in browser.get(f"/manage/outbox/{message.id}").text

    page = browser.get("/manage/audit/")
    assert "Invited a person" in page.text and "Retried an email" in page.text
    assert "admin@example.org" in page.text


def _areas_figures(browser) -> str:
    page = browser.get("/reports/areas")
    return [row.get_text(" | ", strip=True) for row in page.soup.select("table tbody tr")]


def test_a7_admin_erases_a_person_whose_figures_stay_in_the_reports(browser, population):
    sign_in(browser, "admin@example.org")
    set_language(browser, "en")
    before = _areas_figures(browser)
    assert "Aino Valmis" in browser.get("/reports/matrix").text

    page = browser.get(f"/manage/people/{population.done.id}").follow("Erase personal data")
    assert "Erase the personal data of Aino Valmis?" in page.text and "cannot be undone" in page.text
    assert "Kept without a name" in page.text and "course progress and completions" in page.text
    page = page.form(button="Erase personal data").fill(confirm_email="someone@else.org").submit()
    assert page.errors() == ["Nothing was erased: type the person's email address exactly as shown."]
    assert _person("done@example.org") is not None
    page = page.form(button="Erase personal data").fill(confirm_email="done@example.org").submit()
    assert "The person's personal data has been erased; their figures are kept." in page.text
    assert "Erased person" in page.text

    assert _person("done@example.org") is None
    erased = db.session.get(User, population.done.id)
    assert erased.erased_at is not None and erased.name == "" and erased.area_id == population.north.id
    assert _areas_figures(browser) == before
    matrix = browser.get("/reports/matrix").text
    assert "Aino Valmis" not in matrix and "done@example.org" not in matrix and "Erased person" in matrix
