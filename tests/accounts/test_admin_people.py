from sqlalchemy import func, select

from kaiku_training.accounts.models import Area, Role, User
from kaiku_training.extensions import db
from kaiku_training.outbox.models import OutboxMessage
from tests.factories import make_admin, make_area, make_user


def _signed_in_admin(auth):
    admin = make_admin(email="admin@example.org", name="Admin Person")
    auth.sign_in("admin@example.org")
    return admin


def test_admin_edits_roles_area_and_sector(client, auth, app):
    _signed_in_admin(auth)
    area = make_area("Esimerkkilä")
    person = make_user("aino@example.org", name="Aino")
    response = client.post(
        f"/manage/people/{person.id}",
        data={
            "name": "Aino Virtanen",
            "roles": ["coordinator", "trainer"],
            "area_id": area.id,
            "sector": "wellbeing",
            "locale": "sv",
        },
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.roles == {Role.COORDINATOR, Role.TRAINER}
    assert person.area.name_fi == "Esimerkkilä" and person.sector == "wellbeing" and person.locale == "sv"


def test_person_form_needs_a_role(client, auth, app):
    _signed_in_admin(auth)
    person = make_user("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    response = client.post(
        f"/manage/people/{person.id}", data={"name": "Aino", "area_id": 0, "sector": "", "locale": "fi"}
    )
    assert "Choose at least one role." in response.get_data(as_text=True)
    db.session.refresh(person)
    assert person.roles == {Role.COORDINATOR}


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(client, auth, app):
    admin = _signed_in_admin(auth)
    client.set_cookie("kaiku_lang", "en")
    page = client.post(
        f"/manage/people/{admin.id}",
        data={"name": "A", "roles": ["trainer"], "area_id": 0, "sector": "", "locale": "fi"},
    )
    assert "You cannot remove your own admin role." in page.get_data(as_text=True)
    client.post(f"/manage/people/{admin.id}/active", data={"active": "0"})
    db.session.refresh(admin)
    assert admin.active and admin.roles == {Role.ADMIN}


def test_deactivation_keeps_the_person(client, auth, app):
    _signed_in_admin(auth)
    person = make_user("aino@example.org")
    client.post(f"/manage/people/{person.id}/active", data={"active": "0"})
    db.session.refresh(person)
    assert person.active is False
    assert db.session.get(User, person.id) is not None
    client.post(f"/manage/people/{person.id}/active", data={"active": "1"})
    db.session.refresh(person)
    assert person.active is True


def test_inviting_an_existing_address_is_refused_next_to_the_field(client, auth, app):
    _signed_in_admin(auth)
    make_user("aino@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.post(
        "/manage/people/invite",
        data={
            "email": "AINO@example.org",
            "name": "Aino 2",
            "roles": ["coordinator"],
            "area_id": 0,
            "sector": "",
            "locale": "fi",
        },
    ).get_data(as_text=True)
    assert 'id="email-error"' in page and "already exists" in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_people_list_filters(client, auth, app):
    _signed_in_admin(auth)
    area = make_area("Pohjoinen")
    make_user("a@example.org", name="Alice Area", area=area)
    make_user("b@example.org", name="Bob Other", roles=[Role.TRAINER])
    page = client.get(f"/manage/people?area={area.id}").get_data(as_text=True)
    assert "Alice Area" in page and "Bob Other" not in page
    page = client.get("/manage/people?role=trainer").get_data(as_text=True)
    assert "Bob Other" in page and "Alice Area" not in page
    page = client.get("/manage/people?q=alice").get_data(as_text=True)
    assert "Alice Area" in page and "Bob Other" not in page


def test_area_create_and_validation(client, auth, app):
    _signed_in_admin(auth)
    client.set_cookie("kaiku_lang", "en")
    page = client.post(
        "/manage/areas/new",
        data={
            "name_fi": "Uusikunta",
            "name_sv": "Nykommun",
            "name_en": "Newtown",
            "kind": "municipality",
            "status": "permanent",
            "pilot_started_on": "2024-01-01",
        },
    ).get_data(as_text=True)
    assert "Give the date the activity became permanent." in page
    assert db.session.scalar(select(func.count()).select_from(Area)) == 0
    response = client.post(
        "/manage/areas/new",
        data={
            "name_fi": "Uusikunta",
            "name_sv": "Nykommun",
            "name_en": "Newtown",
            "kind": "municipality",
            "status": "permanent",
            "pilot_started_on": "2024-01-01",
            "permanent_since": "2025-01-01",
        },
    )
    assert response.status_code == 302
    area = db.session.scalar(select(Area))
    assert (area.name_sv, area.status, str(area.permanent_since)) == ("Nykommun", "permanent", "2025-01-01")
    assert "Newtown" in client.get("/manage/areas").get_data(as_text=True)


CSV_OK = (
    "email;name;area;sector;language\n"
    "maija@example.org;Maija M;Esimerkkilä;kulttuuri;sv\n"
    "kalle@example.org;Kalle K;;sote;\n"
)


def test_csv_import_creates_and_invites_everyone(client, auth, app):
    from io import BytesIO

    _signed_in_admin(auth)
    make_area("Esimerkkilä")
    response = client.post(
        "/manage/people/import", data={"file": (BytesIO(("\ufeff" + CSV_OK).encode()), "people.csv")}
    )
    assert response.status_code == 302
    maija = db.session.scalar(select(User).where(User.email == "maija@example.org"))
    assert maija.roles == {Role.COORDINATOR} and maija.area.name_fi == "Esimerkkilä"
    assert maija.sector == "culture" and maija.locale == "sv"
    invitations = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.recipient)).all()
    assert [(m.recipient, m.locale) for m in invitations] == [("kalle@example.org", "fi"), ("maija@example.org", "sv")]


def test_csv_import_with_a_bad_row_imports_nothing_and_reports_each_row(client, auth, app):
    from io import BytesIO

    _signed_in_admin(auth)
    make_user("taken@example.org")
    bad = (
        "email,name,area,sector,language\n"
        "ok@example.org,Ok Person,,,\n"
        "not-an-email,No Email,,,\n"
        "taken@example.org,Taken,Nowhere,painting,de\n"
        "ok@example.org,Twice,,,\n"
    )
    client.set_cookie("kaiku_lang", "en")
    page = client.post("/manage/people/import", data={"file": (BytesIO(bad.encode()), "people.csv")}).get_data(
        as_text=True
    )
    assert "Nothing was imported" in page
    for line, text in [
        (3, "not a valid email"),
        (4, "already exists"),
        (4, "Unknown area: Nowhere"),
        (4, "Unknown sector: painting"),
        (4, "Unknown language: de"),
        (5, "appears twice"),
    ]:
        assert f"<td>{line}</td><td>" in page and text in page, text
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_csv_import_rejects_missing_columns_and_non_utf8(client, auth, app):
    from io import BytesIO

    _signed_in_admin(auth)
    client.set_cookie("kaiku_lang", "en")
    page = client.post("/manage/people/import", data={"file": (BytesIO(b"mail;nimi\nx;y\n"), "p.csv")}).get_data(
        as_text=True
    )
    assert "missing: email, name, area" in page
    page = client.post(
        "/manage/people/import", data={"file": (BytesIO("email;name;area\nä;Ä;\n".encode("latin-1")), "p.csv")}
    ).get_data(as_text=True)
    assert "not UTF-8" in page
