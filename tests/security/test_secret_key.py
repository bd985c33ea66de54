"""The signing key: never one from the source code, one random key per instance folder in
development, and production refuses to start without a long one."""

import multiprocessing

import pytest
from flask import Flask

from kaiku_training import init_app
from kaiku_training.config import ConfigError, instance_secret_key
from tests.factories import make_admin

PUBLISHED_KEY = "kaiku-development-only-secret"  # the key the code once fell back on


def app_in(instance_folder, settings: dict, **changes) -> Flask:
    """The app on its own instance folder, with `settings` minus the key the tests pass."""
    app = Flask("app", instance_path=str(instance_folder))
    overrides = {key: value for key, value in settings.items() if key != "SECRET_KEY"}
    init_app(app, overrides={**overrides, **changes})
    return app


def forged_session_cookie(user_id: str, key: str) -> str:
    """A session cookie naming `user_id`, signed the way Flask signs one, with `key`."""
    signer = Flask("forger")
    signer.secret_key = key
    return signer.session_interface.get_signing_serializer(signer).dumps({"_user_id": user_id, "_fresh": True})


def test_a_session_cookie_signed_with_the_published_key_is_refused(app, app_settings, tmp_path):
    admin = make_admin(email="admin@example.org")
    keyless = app_in(tmp_path / "instance", app_settings)
    client = keyless.test_client()
    client.set_cookie("session", forged_session_cookie(admin.get_id(), PUBLISHED_KEY))
    response = client.get("/manage/people")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert keyless.secret_key != PUBLISHED_KEY


def test_workers_on_one_instance_folder_share_the_generated_key(app_settings, tmp_path):
    first = app_in(tmp_path / "instance", app_settings)
    second = app_in(tmp_path / "instance", app_settings)
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 32
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_workers_starting_at_once_agree_on_one_complete_key(tmp_path):
    with multiprocessing.get_context("fork").Pool(8) as workers:
        keys = workers.map(instance_secret_key, [str(tmp_path)] * 32)
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no worker's draft left behind


def test_a_fresh_instance_folder_gets_a_key_of_its_own(app_settings, tmp_path):
    assert app_in(tmp_path / "one", app_settings).secret_key != app_in(tmp_path / "two", app_settings).secret_key


def test_an_unknown_environment_name_is_refused(app_settings, tmp_path):
    with pytest.raises(ConfigError, match="ENV must be one of"):
        app_in(tmp_path, app_settings, ENV="prod")


def test_production_refuses_a_short_key(app_settings, tmp_path):
    production = {"ENV": "production", "RATELIMIT_SINGLE_PROCESS": True}
    with pytest.raises(ConfigError, match="32"):
        app_in(tmp_path, app_settings, **production, SECRET_KEY="too-short-a-secret")
    assert app_in(tmp_path, app_settings, **production, SECRET_KEY="k" * 32).secret_key == "k" * 32
