"""Settings: defaults, then a TOML file, then KAIKU_* environment variables, then overrides.

Every setting is documented in config.example.toml at the top of the repository.
"""
import os
import tomllib
from pathlib import Path

DEFAULTS = {
    "ENV": "development",  # "production" refuses to start without SECRET_KEY
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "SITE_NAME": "Kaiku Training",
    "BASE_URL": None,  # None: http://127.0.0.1:PORT, the development server's address
    "PORT": 5000,  # where `make run` serves (it passes PORT on)
    "DEFAULT_LOCALE": "fi",
    "TIMEZONE": "Europe/Helsinki",
    "SESSION_COOKIE_SECURE": False,
    "PASSWORD_MIN_LENGTH": 10,
    "INVITATION_VALID_HOURS": 168,
    "PASSWORD_RESET_VALID_HOURS": 2,
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "LOGIN_LIMIT_PER_IP": "30 per 15 minutes",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 8025,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "Kaiku Training <noreply@example.org>",
    "MAIL_TIMEOUT": 10,
    "OUTBOX_MAX_ATTEMPTS": 8,
    "OUTBOX_RETRY_BASE_SECONDS": 60,
    "PROXY_FIX": False,
    "COURSES_DIR": None,  # None: the courses/ folder of this repository
    "JOIN_OPENS_MINUTES_BEFORE": 15,
    "PROMOTION_CUTOFF_HOURS": 2,
    "REMINDER_OFFSETS_MINUTES": [1440, 60],
    "FEED_REFRESH_MINUTES": 60,
    "FEED_CACHE_SECONDS": 10,
    "REPORT_CACHE_SECONDS": 60,
    "MATERIAL_MAX_MB": 20,  # an uploaded meeting material may be at most this large
    "MATERIAL_FILE_TYPES": ["pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "png", "jpg", "jpeg"],
    "MAX_REQUEST_MB": 25,  # any request body: room for the largest material and its form
}

ENV_PREFIX = "KAIKU_"


class ConfigError(RuntimeError):
    """The configuration cannot run; the message says what to set."""


def _coerce(raw: str, default):
    """Environment values are strings; give them the type of the default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, list):  # comma-separated, each item of the type of the default's items
        return [type(default[0])(part.strip()) for part in raw.split(",") if part.strip()]
    if isinstance(default, int):
        return int(raw)
    return raw


def load_settings(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the merged settings in load order: defaults, TOML file, environment, overrides."""
    settings = dict(DEFAULTS)
    config_path = Path(os.environ.get(f"{ENV_PREFIX}CONFIG", Path(instance_path) / "config.toml"))
    if config_path.is_file():
        with config_path.open("rb") as handle:
            settings.update({key.upper(): value for key, value in tomllib.load(handle).items()})
    for key, default in DEFAULTS.items():
        raw = os.environ.get(ENV_PREFIX + key)
        if raw is not None:
            settings[key] = _coerce(raw, default)
    settings.update(overrides or {})
    return settings


def flask_config(settings: dict, instance_path: str) -> dict:
    """Translate our settings into the names Flask and its extensions read."""
    if settings["ENV"] == "production" and not settings["SECRET_KEY"]:
        raise ConfigError(
            "KAIKU_SECRET_KEY is not set. In production set a long random value in "
            "config.toml (secret_key) or the environment, e.g. "
            "KAIKU_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    database_url = settings["DATABASE_URL"] or f"sqlite:///{Path(instance_path) / 'kaiku.sqlite'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    courses_dir = Path(settings["COURSES_DIR"] or Path(__file__).resolve().parent.parent / "courses")
    return {
        **settings,
        "BASE_URL": settings["BASE_URL"] or f"http://127.0.0.1:{settings['PORT']}",
        "COURSES_DIR": courses_dir,
        # A development key that changes nothing in production: production refused above.
        "SECRET_KEY": settings["SECRET_KEY"] or "kaiku-development-only-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": settings["SESSION_COOKIE_SECURE"],
        "BABEL_DEFAULT_LOCALE": settings["DEFAULT_LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": settings["TIMEZONE"],
        "RATELIMIT_STORAGE_URI": settings["RATELIMIT_STORAGE_URI"],
        "RATELIMIT_HEADERS_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": settings["MAX_REQUEST_MB"] * 1024 * 1024,
    }
