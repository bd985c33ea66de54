"""Settings: defaults, then a TOML file, then KAIKU_* environment variables, then overrides.

Every setting is documented in config.example.toml at the top of the repository.
"""

import os
import secrets
import tomllib
from datetime import timedelta
from pathlib import Path

DEFAULTS = {
    "ENV": "development",  # or "production": see check_settings() for what it demands
    "SECRET_KEY": None,  # None in development: a random key kept in the instance folder
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "TABLE_PREFIX": "",  # read from KAIKU_TABLE_PREFIX when the models are imported (extensions.py)
    "SITE_NAME": "Kaiku Training",
    "BASE_URL": None,  # None: http://127.0.0.1:PORT, the development server's address
    "PORT": 5000,  # where `make run` serves (it passes PORT on)
    "DEFAULT_LOCALE": "fi",
    "TIMEZONE": "Europe/Helsinki",
    "SESSION_COOKIE_SECURE": False,
    "PASSWORD_MIN_LENGTH": 10,
    "REMEMBER_DAYS": 30,  # how long "keep me signed in" lasts
    "INVITATION_VALID_HOURS": 168,
    "PASSWORD_RESET_VALID_HOURS": 2,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_SINGLE_PROCESS": False,  # True allows memory:// in production: one process counts alone
    "LOGIN_LIMIT_PER_ACCOUNT_AND_IP": "5 per 15 minutes",  # failed sign-ins at one account from one address
    "LOGIN_LIMIT_PER_IP": "30 per 15 minutes",  # failed sign-ins from one address, at any accounts
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 8025,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "Kaiku Training <noreply@example.org>",
    "MAIL_TIMEOUT": 10,
    "OUTBOX_MAX_ATTEMPTS": 8,
    "OUTBOX_RETRY_BASE_SECONDS": 60,
    "OUTBOX_CLAIM_TIMEOUT_SECONDS": 900,  # a stopped run's claims are taken over after this long
    "OUTBOX_KEEP_SENT_DAYS": 90,  # `flask outbox purge` deletes sent email older than this; 0 keeps it
    "REQUESTED_EMAILS_PER_ADDRESS_PER_HOUR": 3,  # password resets and guest confirmations together
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
ENVIRONMENTS = ("development", "production")
MIN_PRODUCTION_KEY_BYTES = 32
SECRET_KEY_FILE = "secret_key"


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


def check_settings(settings: dict) -> None:
    """Refuse, before anything runs, a configuration that would be unsafe or mean nothing."""
    if settings["ENV"] not in ENVIRONMENTS:
        raise ConfigError(f"KAIKU_ENV is {settings['ENV']!r}; use one of: {', '.join(ENVIRONMENTS)}.")
    if settings["ENV"] != "production":
        return
    if len((settings["SECRET_KEY"] or "").encode()) < MIN_PRODUCTION_KEY_BYTES:
        raise ConfigError(
            f"KAIKU_SECRET_KEY is missing or shorter than {MIN_PRODUCTION_KEY_BYTES} bytes. In production "
            "set a long random value in config.toml (secret_key) or the environment, e.g. "
            "KAIKU_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if settings["RATELIMIT_STORAGE_URI"].startswith("memory://") and not settings["RATELIMIT_SINGLE_PROCESS"]:
        raise ConfigError(
            "KAIKU_RATELIMIT_STORAGE_URI is memory://, which each worker counts on its own, so sign-in "
            "limits would not hold. Set it to a shared storage, e.g. redis://127.0.0.1:6379/0, or set "
            "ratelimit_single_process = true if the app really runs as one process."
        )


def instance_secret_key(instance_path: str) -> str:
    """The development key of this instance folder, created at random the first time.
    Workers starting together race for it: each writes a complete key to a file of its own
    (O_EXCL, 0600) and links it into place; the first link wins and every worker reads that."""
    key_path = Path(instance_path) / SECRET_KEY_FILE
    if not key_path.exists():
        draft = key_path.with_name(f"{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
            os.link(draft, key_path)
        except FileExistsError:
            pass  # another worker's key is in place
        finally:
            draft.unlink()
    return key_path.read_text().strip()


def flask_config(settings: dict, instance_path: str) -> dict:
    """Translate our settings into the names Flask and its extensions read."""
    check_settings(settings)
    database_url = settings["DATABASE_URL"] or f"sqlite:///{Path(instance_path) / 'kaiku.sqlite'}"
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    courses_dir = Path(settings["COURSES_DIR"] or Path(__file__).resolve().parent.parent / "courses")
    return {
        **settings,
        "BASE_URL": settings["BASE_URL"] or f"http://127.0.0.1:{settings['PORT']}",
        "COURSES_DIR": courses_dir,
        "SECRET_KEY": settings["SECRET_KEY"] or instance_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=settings["REMEMBER_DAYS"]),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": settings["SESSION_COOKIE_SECURE"],
        "BABEL_DEFAULT_LOCALE": settings["DEFAULT_LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": settings["TIMEZONE"],
        "RATELIMIT_STORAGE_URI": settings["RATELIMIT_STORAGE_URI"],
        "RATELIMIT_HEADERS_ENABLED": True,
        # Always said: the limiter is one object, which otherwise keeps an earlier app's False.
        "RATELIMIT_ENABLED": settings.get("RATELIMIT_ENABLED", True),
        # Redis down: each worker counts in its own memory until it is back, rather than a 500;
        # storage errors of any backend arrive as limits' StorageError (sign_in_limits.py).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"wrap_exceptions": True},
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": settings["MAX_REQUEST_MB"] * 1024 * 1024,
    }
