"""Curriculum benchmarks (make bench): course sync and lesson page throughput.

Targets from the curriculum issue: a no-change sync under 1 s for 50 courses x 20 lessons x
3 languages; a lesson page at least half as fast as the trivial route under gunicorn.
"""

import re
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

from kaiku_training.accounts.models import Role
from kaiku_training.curriculum.sync import sync_courses
from kaiku_training.extensions import db
from tests.benchmarks.content import generate_tree
from tests.benchmarks.harness import REPO_ROOT, benchmark_app, gunicorn, record, requests_per_second
from tests.factories import make_user


def test_sync_of_a_large_tree(tmp_path, database_url, smtp_port):
    root = tmp_path / "courses"
    generate_tree(root)
    with benchmark_app(database_url, smtp_port, COURSES_DIR=str(root)) as app, app.app_context():
        started = time.perf_counter()
        report = sync_courses(root)
        first = time.perf_counter() - started
        assert report.counts["lessons added"] == 1000 and not report.errors
        started = time.perf_counter()
        assert sync_courses(root).unchanged
        unchanged = time.perf_counter() - started
        (root / "course-007" / "lessons" / "lesson-03.sv.md").write_text("---\ntitle: Ändrad\n---\nNy text.\n")
        started = time.perf_counter()
        assert sync_courses(root).counts["lessons updated"] == 1
        one_change = time.perf_counter() - started
        db.session.remove()
    record(
        "sync 50x20x3",
        database=database_url.split(":")[0],
        first_s=first,
        no_change_s=unchanged,
        one_lesson_changed_s=one_change,
    )
    assert unchanged < 1.0


def _signed_in_cookie(base_url: str, email: str, password: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base_url + "/sign-in").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    opener.open(
        base_url + "/sign-in",
        urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode(),
    )
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def test_lesson_page_throughput_against_the_trivial_route(tmp_path, database_url, smtp_port):
    with benchmark_app(database_url, smtp_port, COURSES_DIR=str(REPO_ROOT / "courses")) as app:
        _measure_lesson_page(app, database_url)


def _measure_lesson_page(app, database_url):
    with app.app_context():
        assert not sync_courses(app.config["COURSES_DIR"]).errors
        make_user("bench@example.org", roles=[Role.COORDINATOR], password="benchmark password")
    env = {
        "KAIKU_DATABASE_URL": database_url,
        "KAIKU_SECRET_KEY": "benchmark",
        "KAIKU_COURSES_DIR": app.config["COURSES_DIR"],
        "KAIKU_LOGIN_LIMIT_PER_IP": "1000 per minute",
    }
    with gunicorn(env) as base_url:
        cookie = _signed_in_cookie(base_url, "bench@example.org", "benchmark password")
        lesson_url = base_url + "/courses/kaikukortti-basics/lessons/what-is-kaikukortti"
        assert (
            "lesson-body"
            in urllib.request.urlopen(urllib.request.Request(lesson_url, headers={"Cookie": cookie})).read().decode()
        )
        trivial = requests_per_second(base_url + "/healthz")
        lesson = requests_per_second(lesson_url, {"Cookie": cookie})
    ratio = lesson / trivial
    record("lesson page", database=database_url.split(":")[0], trivial_rps=trivial, lesson_rps=lesson, ratio=ratio)
    assert ratio >= 0.5
