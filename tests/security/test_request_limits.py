"""Request size and uploads: a body over the limit is refused before it is read, with a 413
page in the visitor's language; materials are capped by size and limited to a list of types."""

import io

import pytest

from kaiku_training.accounts.models import Role
from kaiku_training.extensions import db
from kaiku_training.meetings.models import Material
from kaiku_training.meetings.services import materials_folder
from tests.conftest import test_settings
from tests.factories import make_user
from tests.meetings.factories import make_meeting

MB = 1024 * 1024
PAGE_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


@pytest.fixture
def organiser(app, auth):
    make_user("admin@example.org", roles=[Role.ADMIN])
    auth.sign_in("admin@example.org")
    edition, _items, _questions = make_meeting()
    return edition


def _upload(client, content: bytes, file_name: str):
    return client.post(
        "/manage/meetings/2027/after",
        content_type="multipart/form-data",
        data={
            "action": "material",
            "material-title": "Diat",
            "material-item_id": "0",
            "material-file": (io.BytesIO(content), file_name),
        },
    )


def _stored_files() -> list:
    return sorted(materials_folder().iterdir())


def test_an_anonymous_body_over_the_default_limit_gets_a_413_page_in_the_visitors_language(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == (app.config["MATERIAL_MAX_MB"] + 5) * MB
    client.set_cookie("kaiku_lang", "sv")
    response = client.post("/sign-in", data=b"x" * (limit + 1), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert '<html lang="sv"' in page and "<h1" in page
    assert all(name in response.headers for name in PAGE_HEADERS)


def test_a_body_within_the_limit_is_read(client, app):
    response = client.post("/sign-in", data={"email": "nobody@example.org", "password": "x" * MB})
    assert response.status_code == 200


class TestLimitSetting:
    @pytest.fixture
    def app_settings(self, database_url, smtp_port, courses_dir):
        return test_settings(database_url, smtp_port, COURSES_DIR=str(courses_dir), MAX_REQUEST_MB=1)

    def test_the_request_limit_is_a_setting(self, client, app):
        assert app.config["MAX_CONTENT_LENGTH"] == MB
        response = client.post("/sign-in", data={"email": "a@example.org", "password": "x" * (2 * MB)})
        assert response.status_code == 413


class TestMaterialLimits:
    @pytest.fixture
    def app_settings(self, database_url, smtp_port, courses_dir):
        return test_settings(
            database_url, smtp_port, COURSES_DIR=str(courses_dir), MATERIAL_MAX_MB=1, MATERIAL_FILE_TYPES=["pdf", "txt"]
        )

    def test_a_material_over_the_size_cap_is_refused_next_to_the_file_field(self, client, organiser):
        before = _stored_files()
        response = _upload(client, b"%PDF-1.4" + b"0" * MB, "slides.pdf")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert (
            'id="material-file-error"' in page and "Tiedosto saa olla enintään 1 Mt." in page
        )  # in Finnish, the default
        assert db.session.query(Material).count() == 0 and _stored_files() == before

    def test_a_file_type_not_on_the_list_is_refused_next_to_the_file_field(self, client, organiser):
        before = _stored_files()
        for name in ("setup.exe", "slides.PDF.exe", "noextension", ".pdf"):
            page = _upload(client, b"MZ", name).get_data(as_text=True)
            assert 'id="material-file-error"' in page and ".pdf" in page and ".txt" in page, name
        assert db.session.query(Material).count() == 0 and _stored_files() == before

    def test_an_allowed_file_within_the_cap_is_stored_under_a_clean_name(self, client, organiser):
        response = _upload(client, b"notes", "C:\\Users\\Aino\\muistiinpanot\x00\x07" + "a" * 400 + ".TXT")
        assert response.status_code == 302
        material = db.session.query(Material).one()
        assert material.file_name.endswith("a.TXT") and len(material.file_name) <= 300
        assert "\x00" not in material.file_name and "\x07" not in material.file_name and "\\" not in material.file_name
        assert (materials_folder() / material.stored_as).read_bytes() == b"notes"
