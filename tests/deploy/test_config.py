"""deploy/config.toml is a production configuration the application accepts as it stands, once
the signing key comes from /etc/kaiku/env."""

import tomllib

import pytest

from kaiku_training import create_app
from kaiku_training.config import DEFAULTS, ConfigError
from tests.deploy.conftest import DEPLOY


def test_the_sample_production_config_names_only_real_settings():
    with (DEPLOY / "config.toml").open("rb") as handle:
        names = {name.upper() for name in tomllib.load(handle)}
    assert names <= set(DEFAULTS), names - set(DEFAULTS)


def test_the_application_starts_in_production_on_the_sample_config(production_environment, monkeypatch):
    monkeypatch.delenv("KAIKU_DATABASE_URL")  # the sample's own PostgreSQL address (nothing connects yet)
    app = create_app()
    assert app.config["ENV"] == "production"
    assert app.config["SECRET_KEY"] == production_environment["KAIKU_SECRET_KEY"]
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://kaiku@/kaiku?host=")
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert app.config["PROXY_FIX"] and app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_the_sample_config_refuses_to_start_without_the_secret_key(production_environment, monkeypatch):
    monkeypatch.delenv("KAIKU_SECRET_KEY")
    with pytest.raises(ConfigError, match="KAIKU_SECRET_KEY is missing"):
        create_app()
