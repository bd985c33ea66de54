import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kaiku_training import create_app
from kaiku_training.config import ConfigError

REPOSITORY = Path(__file__).parents[2]
EXAMPLE = REPOSITORY / "config.example.toml"


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

    from kaiku_training.config import DEFAULTS

    text = EXAMPLE.read_text()
    tomllib.loads(text)  # it parses
    for key in DEFAULTS:
        assert f"{key.lower()} =" in text, key


def test_development_links_follow_the_port_served(monkeypatch):
    monkeypatch.setenv("KAIKU_PORT", "8000")  # what `PORT=8000 make run` sets
    assert create_app().config["BASE_URL"] == "http://127.0.0.1:8000"
    monkeypatch.setenv("KAIKU_BASE_URL", "https://training.example.org")
    assert create_app().config["BASE_URL"] == "https://training.example.org"  # a given address wins


def test_make_run_passes_its_port_to_the_app():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8000"], cwd=REPOSITORY, capture_output=True, text=True, check=True
    ).stdout
    [serve] = [line for line in dry_run.splitlines() if "flask run" in line]
    assert "KAIKU_PORT=8000" in serve and "--port 8000" in serve


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    """Write the given text to the config.toml that KAIKU_CONFIG names; return its path."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("KAIKU_CONFIG", str(path))

    def write(text: str) -> Path:
        path.write_text(text)
        return path

    return write


def refusal(overrides: dict | None = None) -> str:
    """The message with which the app refuses to start."""
    with pytest.raises(ConfigError) as refused:
        create_app(overrides)
    return refused.value.message


def test_an_unknown_key_in_the_file_stops_the_app_naming_the_file_and_the_setting_meant(config_file):
    path = config_file("reminder_offsets_minute = [60]\n")
    assert refusal() == (
        f"{path}: unknown setting 'reminder_offsets_minute' (did you mean 'reminder_offsets_minutes'?)"
    )


@pytest.mark.parametrize(
    "line, message",
    [
        ('mail_port = "25"', "mail_port must be an integer from 1 to 65535, not the string '25'"),
        ("mail_port = 70000", "mail_port must be an integer from 1 to 65535, not the integer 70000"),
        ("mail_port = true", "mail_port must be an integer from 1 to 65535, not the boolean true"),
        ("mail_timeout = 2.5", "mail_timeout must be an integer of at least 1, not the number 2.5"),
        ('proxy_fix = "yes"', "proxy_fix must be true or false, not the string 'yes'"),
        ("site_name = 5", "site_name must be a string, not the integer 5"),
        ('default_locale = "de"', "default_locale must be one of 'fi', 'sv', 'en', not the string 'de'"),
        ('ENV = "prod"', "ENV must be one of 'development', 'production', not the string 'prod'"),
        (
            'timezone = "Europe/Helsnki"',
            "timezone must be a time zone name such as 'Europe/Helsinki', not the string 'Europe/Helsnki'",
        ),
        (
            'login_limit_per_ip = "thirty an hour"',
            "login_limit_per_ip must be a limit such as '5 per 15 minutes', not the string 'thirty an hour'",
        ),
        (
            "reminder_offsets_minutes = 60",
            "reminder_offsets_minutes must be a list of integers of at least 1, not the integer 60",
        ),
        (
            'reminder_offsets_minutes = [1440, "60"]',
            "reminder_offsets_minutes must be a list of integers of at least 1, not a list holding the string '60'",
        ),
        (
            "reminder_offsets_minutes = [1440, 0]",
            "reminder_offsets_minutes must be a list of integers of at least 1, not a list holding the integer 0",
        ),
        (
            'material_file_types = ["pdf", 1]',
            "material_file_types must be a list of strings, not a list holding the integer 1",
        ),
        ("mail_port = { value = 25 }", "mail_port must be an integer from 1 to 65535, not a table"),
        ("database_url = []", "database_url must be a string, not a list"),
    ],
)
def test_a_value_of_the_wrong_type_in_the_file_stops_the_app_naming_file_setting_and_type(config_file, line, message):
    path = config_file(line + "\n")
    assert refusal() == f"{path}: {message}"


def test_a_table_in_the_file_is_refused_since_every_setting_is_at_the_top(config_file):
    path = config_file('site_name = "Kaiku"\n\n[mail]\nport = 25\n')
    assert refusal() == (
        f"{path}: unknown setting 'mail' (a table: every setting is a key at the top of the file, before any [table])"
    )


def test_a_file_that_is_not_toml_stops_the_app_naming_the_file_and_the_line(config_file):
    path = config_file('site_name = "Kaiku"\nmail_port = 25 25\n')
    assert (
        refusal()
        == f"{path}: not valid TOML: Expected newline or end of document after a statement (at line 2, column 16)"
    )


def test_every_problem_of_the_file_and_the_environment_is_told_at_once(config_file, monkeypatch):
    path = config_file("mail_prot = 25\nsite_name = false\n")
    monkeypatch.setenv("KAIKU_PROXY_FIX", "maybe")
    assert refusal().splitlines() == [
        f"{path}: unknown setting 'mail_prot' (did you mean 'mail_port'?)",
        f"{path}: site_name must be a string, not the boolean false",
        "environment: KAIKU_PROXY_FIX must be true or false, not 'maybe'",
    ]


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("KAIKU_MAIL_PORT", "abc", "KAIKU_MAIL_PORT must be an integer from 1 to 65535, not 'abc'"),
        ("KAIKU_MAIL_PORT", "0", "KAIKU_MAIL_PORT must be an integer from 1 to 65535, not the integer 0"),
        ("KAIKU_SESSION_COOKIE_SECURE", "ture", "KAIKU_SESSION_COOKIE_SECURE must be true or false, not 'ture'"),
        ("KAIKU_ENV", "prod", "KAIKU_ENV must be one of 'development', 'production', not the string 'prod'"),
        (
            "KAIKU_REMINDER_OFFSETS_MINUTES",
            "1440,an hour",
            "KAIKU_REMINDER_OFFSETS_MINUTES must be a list of integers of at least 1 separated by commas, "
            "not '1440,an hour'",
        ),
    ],
)
def test_a_bad_environment_value_stops_the_app_naming_the_variable_and_type(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    assert refusal() == f"environment: {message}"


def test_environment_values_are_read_into_the_type_of_their_setting(monkeypatch):
    monkeypatch.setenv("KAIKU_REMINDER_OFFSETS_MINUTES", "2880, 30")
    monkeypatch.setenv("KAIKU_MATERIAL_FILE_TYPES", "pdf,txt")
    monkeypatch.setenv("KAIKU_PROXY_FIX", "off")
    monkeypatch.setenv("KAIKU_MAIL_USE_TLS", "Yes")
    config = create_app().config
    assert config["REMINDER_OFFSETS_MINUTES"] == [2880, 30] and config["MATERIAL_FILE_TYPES"] == ["pdf", "txt"]
    assert config["PROXY_FIX"] is False and config["MAIL_USE_TLS"] is True


def test_an_unknown_or_mistyped_override_is_refused_as_the_programming_error_it_is():
    assert refusal({"MAIL_PROT": 2525}) == "overrides: unknown setting 'MAIL_PROT' (did you mean 'MAIL_PORT'?)"
    assert refusal({"MAIL_PORT": "2525"}) == (
        "overrides: MAIL_PORT must be an integer from 1 to 65535, not the string '2525'"
    )
    assert create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}).config["WTF_CSRF_ENABLED"] is False  # Flask's own


def test_the_committed_example_config_is_what_the_definition_of_the_settings_writes():
    from kaiku_training.config import example_config

    written = create_app().test_cli_runner().invoke(args=["settings", "example"])
    assert written.exit_code == 0, written.output
    assert EXAMPLE.read_text() == written.output == example_config(), (
        "run: flask settings example > config.example.toml"
    )


def test_the_example_config_loaded_as_it_is_gives_the_defaults(monkeypatch, tmp_path):
    from kaiku_training.config import DEFAULTS, load_settings

    monkeypatch.setenv("KAIKU_CONFIG", str(EXAMPLE))
    assert load_settings(str(tmp_path)) == DEFAULTS


def test_the_example_lines_left_to_uncomment_are_valid_settings(config_file):
    import re

    uncommented = re.sub(r"^# ([a-z_]+ = )", r"\1", EXAMPLE.read_text(), flags=re.MULTILINE)
    config_file(uncommented)
    config = create_app().config
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user:password@127.0.0.1:5432/kaiku"
    assert config["BASE_URL"] == "https://training.example.org"


def _flask(config: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "KAIKU_CONFIG": str(config)}
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=60
    )


def test_the_flask_command_stops_with_the_message_alone_not_a_traceback(tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text('mail_port = "25"\n')
    for app_option, cwd in (("kaiku_training", tmp_path), ("wsgi", REPOSITORY)):
        routes = _flask(bad, "--app", app_option, "routes", cwd=cwd)
        assert routes.returncode != 0, routes.stdout
        assert f"{bad}: mail_port must be an integer from 1 to 65535, not the string '25'" in routes.stderr
        assert "Traceback" not in routes.stderr, routes.stderr


def test_gunicorn_stops_at_once_with_the_message_rather_than_starting_worker_after_worker(tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text("reminder_offsets_minute = [60]\n")
    served = subprocess.run(
        [Path(sys.executable).with_name("gunicorn"), "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=REPOSITORY,
        env={**os.environ, "KAIKU_CONFIG": str(bad)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert served.returncode != 0
    assert served.stderr.count(f"{bad}: unknown setting 'reminder_offsets_minute'") == 1, served.stderr
    assert "Traceback" not in served.stderr, served.stderr


def test_a_settings_file_named_but_missing_stops_the_app_rather_than_starting_on_the_defaults(tmp_path, monkeypatch):
    """A typo in KAIKU_CONFIG would otherwise start production as development, on SQLite."""
    missing = tmp_path / "confg.toml"
    monkeypatch.setenv("KAIKU_CONFIG", str(missing))
    with pytest.raises(ConfigError, match=f"KAIKU_CONFIG names {re.escape(str(missing))}, which is not a file"):
        create_app()
