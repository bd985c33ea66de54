"""A realistic host site in a folder of its own, run in its own Python process: its package is
called `app`, it has its own Flask-SQLAlchemy models (a `user` table), Flask-Login users and
Flask-Babel translations, and it mount()s Kaiku Training under /training with single sign-on.
The people's journeys are tests/plugin/host/journeys.py; these tests judge what they saw."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

import tests.web
from kaiku_training import create_app
from kaiku_training.accounts.models import Role, User
from kaiku_training.extensions import db
from tests.conftest import test_settings
from tests.factories import make_user

HOST_SOURCE = Path(__file__).parent / "host"


def write_host(folder: Path) -> Path:
    """The host's files in `folder`, its translations compiled, and the tests' Browser beside them."""
    shutil.copytree(HOST_SOURCE, folder, dirs_exist_ok=True)
    shutil.copy(tests.web.__file__, folder / "web.py")
    for po_file in folder.rglob("*.po"):
        with po_file.open("rb") as source, po_file.with_suffix(".mo").open("wb") as compiled:
            write_mo(compiled, read_po(source))
    return folder


def run_in_host(folder: Path, database_url: str, *args: str) -> subprocess.CompletedProcess:
    """`python *args` in the host's folder, with Kaiku Training configured as an administrator
    would (KAIKU_* environment) and nothing of this repository on the path but the installed package."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(
        KAIKU_DATABASE_URL=database_url,
        KAIKU_SECRET_KEY="kaiku's own secret",
        KAIKU_COURSES_DIR=str(folder / "courses"),
    )
    (folder / "courses").mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture(scope="module")
def host_folder(tmp_path_factory):
    return write_host(tmp_path_factory.mktemp("host_site"))


@pytest.fixture(scope="module")
def journey(host_folder, database_url, smtp_port):
    """The host's people go through the mounted site once; what they saw, and then Kaiku's people
    as the database holds them ({email: (name, locale, roles, active)})."""
    kaiku = create_app(test_settings(database_url, smtp_port))
    with kaiku.app_context():
        db.create_all()
        make_user("eeva@example.org", roles=(Role.TRAINER,), name="Eeva Kaiku")
        make_user("paused@example.org", name="Paused Kaiku").active = False
        db.session.commit()
    result = run_in_host(host_folder, database_url, "journeys.py", "mount")
    with kaiku.app_context():
        people = {
            person.email: (person.name, person.locale, sorted(person.roles), person.active)
            for person in db.session.scalars(select(User))
        }
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), people


def test_a_host_whose_own_package_is_called_app_mounts_us_and_keeps_its_package(journey, host_folder):
    seen, _people = journey
    assert seen["host_package"] == str(host_folder / "app" / "__init__.py")


def test_the_host_keeps_its_own_pages_translations_login_and_user_table(journey):
    seen, _people = journey
    assert seen["host_home"] == {"en": "Welcome to the host site", "fi": "Tervetuloa isäntäsivustolle"}
    assert seen["host_users"] == 3
    assert seen["maija_at_host"] == "Maija Host"  # renaming herself here changed nothing there


def test_our_page_renders_in_our_layout_with_every_link_and_static_file_under_the_prefix(journey):
    seen, _people = journey
    page = seen["our_page"]
    assert page["path"] == "/training/"
    assert page["has_our_header"] and not page["host_header"]
    assert page["stylesheets"] and all(href.startswith("/training/static/kaiku/") for href in page["stylesheets"])
    assert page["links"] and all(href.startswith("/training/") for href in page["links"]), page["links"]
    assert seen["static_status"] == 200


def test_a_form_posts_with_its_csrf_token_and_redirects_under_the_prefix(journey):
    seen, _people = journey
    assert seen["language_form"] == {"path": "/training/", "lang": "sv"}
    assert seen["post_without_csrf_token"] == 400
    assert seen["maija_profile_saved"]["path"] == "/training/account"


def test_our_cookies_stay_under_the_prefix_apart_from_the_hosts(journey):
    seen, _people = journey
    cookies = {tuple(cookie) for cookie in seen["maija_cookies"]}
    assert ("session", "/") in cookies  # the host's, untouched
    assert ("kaiku_session", "/training") in cookies


def test_the_host_signs_its_person_in_here_as_a_new_coordinator_in_their_language(journey):
    seen, people = journey
    assert seen["maija"]["path"] == "/training/account"
    assert "Mitt konto" in seen["maija"]["nav"]["items"]
    assert "/training/sign-out" not in seen["maija"]["nav"]["targets"]  # the host's sign-out counts
    assert people["maija@example.org"] == ("Maija Kaiku", "sv", [Role.COORDINATOR], True)


def test_an_existing_person_is_linked_by_email_keeping_their_roles_and_name(journey):
    seen, people = journey
    assert "Manage sessions" in seen["eeva_nav"]["items"]
    assert people["eeva@example.org"] == ("Eeva Kaiku", "en", [Role.TRAINER], True)
    assert "Eeva@Example.org" not in people


def test_signing_out_at_the_host_signs_the_person_out_here(journey):
    seen, _people = journey
    targets = seen["maija_after_host_sign_out"]["targets"]
    assert "/training/sign-in" in targets and "/training/account" not in targets


def test_a_deactivated_person_is_not_signed_in_from_the_host(journey):
    seen, people = journey
    assert seen["paused_account"].startswith("/training/sign-in")
    assert people["paused@example.org"][3] is False


def test_a_host_with_its_own_extensions_asking_for_one_application_is_refused_naming_each(host_folder, database_url):
    result = run_in_host(host_folder, database_url, "-c", "import app; app.create_app(kaiku_mode='init_app')")
    assert result.returncode != 0
    refusal = result.stderr.strip().splitlines()[-1]
    assert refusal.startswith("kaiku_training.HostConflict: ")
    for extension in ("Flask-SQLAlchemy", "Flask-Login LoginManager", "Flask-Babel"):
        assert extension in refusal
    assert "kaiku_training.mount(host" in refusal
