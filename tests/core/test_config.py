import pytest

from kaiku_training import create_app
from kaiku_training.config import ConfigError


def test_settings_load_in_order_defaults_toml_environment_overrides(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('site_name = "From TOML"\npassword_min_length = 12\nmail_port = 2525\n')
    monkeypatch.setenv("KAIKU_CONFIG", str(config))
    monkeypatch.setenv("KAIKU_MAIL_PORT", "2626")
    monkeypatch.setenv("KAIKU_SESSION_COOKIE_SECURE", "true")
    app = create_app({"PASSWORD_MIN_LENGTH": 14})
    assert app.config["SITE_NAME"] == "From TOML"  # TOML over defaults
    assert app.config["MAIL_PORT"] == 2626  # environment over TOML, typed
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["PASSWORD_MIN_LENGTH"] == 14  # overrides last
    assert app.config["OUTBOX_MAX_ATTEMPTS"] == 8  # untouched default


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("KAIKU_DATABASE_URL", "postgresql://someone@db.example/kaiku")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.example/kaiku"


def test_default_database_is_sqlite_in_the_instance_folder():
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/kaiku.sqlite"


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="KAIKU_SECRET_KEY"):
        create_app({"ENV": "production"})
    production = {"ENV": "production", "SECRET_KEY": "x" * 32, "RATELIMIT_SINGLE_PROCESS": True}
    assert create_app(production).config["SECRET_KEY"] == "x" * 32


def test_sqlite_enforces_foreign_keys_and_uses_wal(app):
    from sqlalchemy import text

    from kaiku_training.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_every_setting_is_documented_in_the_example_config():
    import tomllib
    from pathlib import Path

    from kaiku_training.config import DEFAULTS

    example = Path(__file__).parents[2] / "config.example.toml"
    text = example.read_text()
    tomllib.loads(text)  # it parses
    for key in DEFAULTS:
        assert f"{key.lower()} =" in text, key


def test_development_links_follow_the_port_served(monkeypatch):
    monkeypatch.setenv("KAIKU_PORT", "8000")  # what `PORT=8000 make run` sets
    assert create_app().config["BASE_URL"] == "http://127.0.0.1:8000"
    monkeypatch.setenv("KAIKU_BASE_URL", "https://training.example.org")
    assert create_app().config["BASE_URL"] == "https://training.example.org"  # a given address wins


def test_make_run_passes_its_port_to_the_app():
    import subprocess
    from pathlib import Path

    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8000"], cwd=Path(__file__).parents[2], capture_output=True, text=True, check=True
    ).stdout
    [serve] = [line for line in dry_run.splitlines() if "flask run" in line]
    assert "KAIKU_PORT=8000" in serve and "--port 8000" in serve
