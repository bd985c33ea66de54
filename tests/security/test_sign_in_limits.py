"""Sign-in limits hold across gunicorn workers (shared Redis storage), count per account and
address pair and per address, so that failing on purpose cannot lock the real person out, and
do not reveal which accounts exist by how long the answer takes."""

import http.cookiejar
import re
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from kaiku_training import create_app
from kaiku_training.config import ConfigError
from tests.benchmarks.harness import benchmark_app, gunicorn
from tests.factories import PASSWORD, make_user

REDIS_URL = "redis://127.0.0.1:6379/1"
ATTACKER, PERSON = "203.0.113.7", "198.51.100.2"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


class Visitor:
    """A browser at one address (behind the trusted proxy) with its own cookies."""

    def __init__(self, base_url: str, address: str):
        self.base_url, self.address = base_url, address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects
        )
        self.csrf_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.open("/sign-in")[1]).group(1)

    def open(self, path: str, form: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(
            self.base_url + path,
            data=urllib.parse.urlencode(form).encode() if form else None,
            headers={"X-Forwarded-For": self.address, "Accept-Language": "en"},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx
            return error.code, error.read().decode()

    def sign_in(self, email: str, password: str) -> tuple[int, str]:
        return self.open("/sign-in", {"csrf_token": self.csrf_token, "email": email, "password": password})


@pytest.fixture
def served(tmp_path, smtp_port):
    """The app under gunicorn with four workers, on a SQLite file, counting in Redis db 1."""
    database_url = f"sqlite:///{tmp_path / 'limits.sqlite'}"
    redis.Redis.from_url(REDIS_URL).flushdb()
    with benchmark_app(database_url, smtp_port) as app:
        with app.app_context():
            make_user("aino@example.org")
        env = {
            "KAIKU_DATABASE_URL": database_url,
            "KAIKU_SECRET_KEY": "s" * 32,
            "KAIKU_PROXY_FIX": "true",
            "KAIKU_RATELIMIT_STORAGE_URI": REDIS_URL,
            "KAIKU_LOGIN_LIMIT_PER_ACCOUNT_AND_IP": "5 per 15 minutes",
        }
        with gunicorn(env, workers=4) as base_url:
            yield base_url
    redis.Redis.from_url(REDIS_URL).flushdb()


def test_failing_on_purpose_across_workers_neither_gets_past_the_limit_nor_locks_the_person_out(served):
    attacker = Visitor(served, ATTACKER)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda number: attacker.sign_in("aino@example.org", f"guess {number}"), range(20)))
    evaluated = [body for status, body in answers if status == 200]
    refused = [body for status, body in answers if status == 429]
    assert 1 <= len(evaluated) <= 5 and len(evaluated) + len(refused) == 20, [status for status, _ in answers]
    assert all("The email or password is wrong." in body for body in evaluated)
    assert all("Too many attempts" in body for body in refused)
    assert attacker.sign_in("aino@example.org", PASSWORD)[0] == 429  # over its own limit, even with the password

    status, _ = Visitor(served, PERSON).sign_in("aino@example.org", PASSWORD)
    assert status == 302  # the real person, from their own address, signs in


def test_unknown_and_known_accounts_answer_in_the_same_time(app, client):
    make_user("aino@example.org")

    def median_seconds(email: str) -> float:
        durations = []
        for _ in range(4):
            started = time.perf_counter()
            assert client.post("/sign-in", data={"email": email, "password": "not the password"}).status_code == 200
            durations.append(time.perf_counter() - started)
        return statistics.median(durations)

    client.post("/sign-in", data={"email": "nobody@example.org", "password": "warm-up"})
    known, unknown = median_seconds("aino@example.org"), median_seconds("nobody@example.org")
    assert 0.3 < unknown / known < 3, (known, unknown)


def test_production_refuses_memory_storage_that_workers_cannot_share(app_settings):
    production = {**app_settings, "ENV": "production", "SECRET_KEY": "k" * 32}
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({**production, "RATELIMIT_STORAGE_URI": "memory://"})
    assert create_app({**production, "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_SINGLE_PROCESS": True})
    assert create_app({**production, "RATELIMIT_STORAGE_URI": REDIS_URL})


def test_with_the_shared_storage_down_sign_in_still_works_and_each_worker_still_limits(app, app_settings):
    make_user("aino@example.org")
    storage_down = create_app({**app_settings, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})  # nothing listens
    with storage_down.app_context():
        client = storage_down.test_client()
        assert client.post("/sign-in", data={"email": "aino@example.org", "password": PASSWORD}).status_code == 302
        client.post("/sign-out")
        statuses = [
            client.post("/sign-in", data={"email": "aino@example.org", "password": "wrong"}).status_code
            for _ in range(6)
        ]
    assert statuses == [200] * 5 + [429]  # counted in the worker's own memory until the storage is back
