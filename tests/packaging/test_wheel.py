"""The wheel, as `python -m build` builds it: what it carries, and that it runs on its own, installed into a
fresh virtualenv (dependencies from the package index), outside this repository. Run alone with
`pytest -m packaging`; it takes a minute or two. It always migrates a new SQLite database: the wheel's
contents are under test here, not the database (the rest of the suite covers PostgreSQL)."""

import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from tests.conftest import free_port

pytestmark = pytest.mark.packaging

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "kaiku_training"
LOCALES = ("fi", "sv", "en")
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)">')


def run(command: list[str], **options) -> str:
    """Run a command; a failure shows its output, which says why."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, **options)
    if done.returncode:
        pytest.fail(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built the default way (an sdist, then the wheel from it) in an isolated build environment."""
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO_ROOT)])
    (built,) = dist.glob(f"{PACKAGE}-*.whl")
    return built


@pytest.fixture(scope="module")
def site(tmp_path_factory, wheel) -> dict:
    """A fresh virtualenv with the wheel installed, and a folder outside the repository to run it in."""
    root = tmp_path_factory.mktemp("site")
    venv = root / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "--no-compile", str(wheel)])
    environ = {key: value for key, value in os.environ.items() if not key.startswith(("KAIKU_", "FLASK_", "PYTHON"))}
    environ.pop("VIRTUAL_ENV", None)
    environ["KAIKU_DATABASE_URL"] = f"sqlite:///{root / 'kaiku.sqlite'}"
    return {"root": root, "bin": venv / "bin", "env": environ}


@pytest.fixture(scope="module")
def served(site):
    """The installed app migrated, then served by gunicorn from the fresh virtualenv."""
    run([str(site["bin"] / "flask"), "--app", PACKAGE, "db", "upgrade"], cwd=site["root"], env=site["env"])
    origin = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        [
            str(site["bin"] / "gunicorn"),
            "--bind",
            origin.removeprefix("http://"),
            "--workers",
            "1",
            f"{PACKAGE}:create_app()",
        ],
        cwd=site["root"],
        env=site["env"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_it_answers(server, origin + "/healthz")
        yield origin
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_until_it_answers(server: subprocess.Popen, url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped ({server.returncode}):\n{server.stderr.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer {url} within {seconds} s")


def fetch(url: str, language: str = "fi") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Language": language})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read()


def files_under(folder: str) -> set[str]:
    root = REPO_ROOT / "app" / folder
    return {f"{PACKAGE}/{folder}/{path.relative_to(root)}" for path in root.rglob("*") if path.is_file()}


def test_the_wheel_carries_every_template_static_file_compiled_translation_and_migration(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = {
        f"{PACKAGE}/migrations/{path.relative_to(REPO_ROOT / 'migrations')}"
        for path in [*(REPO_ROOT / "migrations").glob("versions/*.py"), *(REPO_ROOT / "migrations").glob("*.*")]
    }
    expected = {
        *files_under("templates"),
        *files_under("static"),
        *(f"{PACKAGE}/translations/{locale}/LC_MESSAGES/messages.mo" for locale in LOCALES),
        *migrations,
    }
    assert {f"{PACKAGE}/migrations/{name}" for name in ("env.py", "alembic.ini", "script.py.mako")} <= migrations
    assert sorted(expected - names) == []


def test_the_installed_wheel_runs_from_its_own_virtualenv_not_from_this_repository(site):
    location = run(
        [str(site["bin"] / "python"), "-c", f"import {PACKAGE}; print({PACKAGE}.__file__, {PACKAGE}.MIGRATIONS_DIR)"],
        cwd=site["root"],
        env=site["env"],
    )
    package_file, migrations_dir = location.split()
    assert Path(package_file).is_relative_to(site["root"] / "venv")
    assert Path(migrations_dir) == Path(package_file).parent / "migrations"


def test_the_installed_wheel_migrates_an_empty_database_to_the_newest_revision(site, served):
    head = ScriptDirectory(str(REPO_ROOT / "migrations")).get_current_head()
    with sqlite3.connect(site["root"] / "kaiku.sqlite") as database:
        assert database.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]


@pytest.mark.parametrize(("language", "sign_in"), [("fi", "Kirjaudu sisään"), ("sv", "Logga in")])
def test_the_installed_wheel_serves_the_sign_in_page_translated_with_its_stylesheet(served, language, sign_in):
    status, _, page = fetch(served + "/sign-in", language)
    assert status == 200
    assert f"<title>{sign_in}" in page.decode()

    stylesheet = STYLESHEET.search(page.decode())
    assert stylesheet, "the page links no stylesheet"
    status, content_type, css = fetch(served + stylesheet[1])
    assert (status, content_type) == (200, "text/css")
    assert css == (REPO_ROOT / "app" / "static" / "kaiku" / "css" / "site.css").read_bytes()
