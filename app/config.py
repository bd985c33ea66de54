"""Settings: defaults, then a TOML file, then KAIKU_* environment variables, then overrides.

SETTINGS defines every setting once (type, default, limits, documentation). The defaults, the
checks of each source and config.example.toml (`flask settings example`) all come from it.
"""

import difflib
import json
import os
import secrets
import textwrap
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import limits

from .core.i18n import SUPPORTED_LOCALES

ENV_PREFIX = "KAIKU_"
ENVIRONMENTS = ("development", "production")
MIN_PRODUCTION_KEY_BYTES = 32
SECRET_KEY_FILE = "secret_key"
# Flask's and its extensions' own keys, which a test or a host may pass in overrides as they are.
FLASK_KEYS = frozenset({"TESTING", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class ConfigError(click.ClickException):
    """The configuration cannot run; the message says what to set. A click exception, so that
    every `flask` command shows the message alone and exits with status 1."""


@dataclass(frozen=True)
class Kind:
    """A setting's type: the TOML (or Python) values it takes, and how an environment string reads."""

    expected: str  # in messages: "... must be an integer"
    accepts: Callable[[Any], bool]
    parse: Callable[[str], Any]  # an environment value; raises ValueError
    item: "Kind | None" = None  # the kind of each item of a list


def _parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(raw)
    return word in TRUE_WORDS


def _list_of(item: Kind, expected: str) -> Kind:
    """Items in TOML are an array; in the environment, separated by commas."""
    return Kind(
        expected,
        lambda value: isinstance(value, list),
        lambda raw: [item.parse(part.strip()) for part in raw.split(",") if part.strip()],
        item,
    )


BOOL = Kind("true or false", lambda value: isinstance(value, bool), _parse_bool)
INT = Kind("an integer", lambda value: isinstance(value, int) and not isinstance(value, bool), int)
STR = Kind("a string", lambda value: isinstance(value, str), str)
OPTIONAL_STR = Kind("a string", lambda value: value is None or isinstance(value, str), str)  # None: not set
INT_LIST = _list_of(INT, "a list of integers")


def _is_time_zone(value: Any) -> bool:
    try:
        return isinstance(value, str) and bool(zoneinfo.ZoneInfo(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False


def _is_rate_limit(value: Any) -> bool:
    try:
        return isinstance(value, str) and bool(limits.parse_many(value))
    except ValueError:
        return False


# Strings with a meaning, checked at start: a wrong one would otherwise fail on the first page or sign-in.
TIME_ZONE = Kind("a time zone name such as 'Europe/Helsinki'", _is_time_zone, str)
RATE_LIMIT = Kind("a limit such as '5 per 15 minutes'", _is_rate_limit, str)
STR_LIST = _list_of(STR, "a list of strings")


def _described(value: Any) -> str:
    """A value as a message quotes it: "the string '25'"."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    names = {str: "string", int: "integer", float: "number"}
    return f"the {names.get(type(value), 'value')} {value!r}"


@dataclass(frozen=True)
class Setting:
    """One setting: its name (upper case, as in app.config), type, default and documentation,
    the section of config.example.toml it is shown in, and the values it allows."""

    name: str
    kind: Kind
    default: Any
    doc: str
    section: str
    example: str | None = None  # shown, commented out, for a setting whose default is None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    @property
    def expected(self) -> str:
        if self.choices:
            return "one of " + ", ".join(repr(choice) for choice in self.choices)
        if self.minimum is not None and self.maximum is not None:
            return f"{self.kind.expected} from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"{self.kind.expected} of at least {self.minimum}"
        return self.kind.expected

    def problem(self, value: Any) -> str | None:
        """What is wrong with `value` ("must be an integer, not the string '25'"), or None."""
        if self.kind.item is not None and isinstance(value, list):
            wrong = [item for item in value if not self._allows(self.kind.item, item)]
            return f"must be {self.expected}, not a list holding {_described(wrong[0])}" if wrong else None
        return None if self._allows(self.kind, value) else f"must be {self.expected}, not {_described(value)}"

    def _allows(self, kind: Kind, value: Any) -> bool:
        if not kind.accepts(value) or (self.choices and value not in self.choices):
            return False
        if kind is INT:
            return (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)
        return True


# The sections of config.example.toml, in order, with what their settings share.
SECTIONS = {
    "Site": "",
    "Accounts": "",
    "Sign-in limits": (
        "Rate limits for signing in (failed attempts), per account from one address and per address, so that "
        'someone failing on purpose cannot lock the real person out. Storage: "memory://" counts within one '
        "process only; with several gunicorn workers use Redis so that all share the counts:\n"
        '  ratelimit_storage_uri = "redis://127.0.0.1:6379/0"\n'
        "Production refuses to start with memory:// unless ratelimit_single_process = true (the app really runs "
        "as a single process)."
    ),
    "Email": "Outgoing email (SMTP). `flask outbox send` delivers what the application queued.",
    "Live sessions": "",
    "Reports": "",
    "Uploads": (
        'A request body larger than max_request_mb is refused before it is read (a "too large" page); keep it '
        "a few MB above material_max_mb, the largest meeting material an organiser may upload."
    ),
    "Worker": (
        "`flask worker` runs each periodic job every so many seconds (0: never; the job is then left to its "
        "own command, e.g. from cron); each job also stays a command of its own."
    ),
}

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ENV",
        STR,
        "development",
        '"development" or "production". Production refuses to start without a secret_key of at least 32 bytes '
        "or with memory:// sign-in limits shared by several workers, and sends Strict-Transport-Security.",
        "Site",
        choices=ENVIRONMENTS,
    ),
    Setting(
        "SECRET_KEY",
        OPTIONAL_STR,
        None,
        "Signs session cookies, remember-me cookies and form tokens. Required in production, long and random:\n"
        "  python -c 'import secrets; print(secrets.token_hex(32))'\n"
        "Not set in development: a random key is created once in the instance folder (instance/secret_key).",
        "Site",
        example="",
    ),
    Setting(
        "DATABASE_URL",
        OPTIONAL_STR,
        None,
        "The database, by URL; PostgreSQL (psycopg 3) as below. Not set: the SQLite file instance/kaiku.sqlite.",
        "Site",
        example="postgresql://user:password@127.0.0.1:5432/kaiku",
    ),
    Setting(
        "TABLE_PREFIX",
        STR,
        "",
        'Put before the name of each of our tables, indexes and constraints (e.g. "kaiku_"), so that they never '
        "collide with those of a host application sharing the database. The names are fixed when the package is "
        "imported, so set it as KAIKU_TABLE_PREFIX in the environment of every process (web, worker, flask db "
        "upgrade); here it may only repeat that value. Choose it before the first `flask db upgrade`.",
        "Site",
    ),
    Setting("SITE_NAME", STR, "Kaiku Training", "Shown in page titles and emails.", "Site"),
    Setting(
        "BASE_URL",
        OPTIONAL_STR,
        None,
        "Public address of the site, used for links in emails and calendars (never the request's Host). Under a "
        "URL prefix, give the address of the host site; the prefix is added to each link. Not set: the "
        "development server's address, http://127.0.0.1:<port>.",
        "Site",
        example="https://training.example.org",
    ),
    Setting(
        "PORT",
        INT,
        5000,
        "The port `make run` serves on; `PORT=8000 make run` sets it, so development links follow.",
        "Site",
        minimum=1,
        maximum=65535,
    ),
    Setting(
        "DEFAULT_LOCALE",
        STR,
        "fi",
        "The language when nothing else chooses one.",
        "Site",
        choices=SUPPORTED_LOCALES,
    ),
    Setting("TIMEZONE", TIME_ZONE, "Europe/Helsinki", "Times are shown in this time zone.", "Site"),
    Setting(
        "SESSION_COOKIE_SECURE",
        BOOL,
        False,
        "Send the session cookie only over HTTPS. Set true in production behind TLS.",
        "Site",
    ),
    Setting(
        "PROXY_FIX",
        BOOL,
        False,
        "Trust X-Forwarded-For/-Proto/-Host/-Prefix from one proxy in front (nginx, a load balancer).",
        "Site",
    ),
    Setting(
        "COURSES_DIR",
        OPTIONAL_STR,
        None,
        "Where course content lives (see courses/README.md). Not set: the courses/ folder of the repository.",
        "Site",
        example="/srv/kaiku/courses",
    ),
    Setting("PASSWORD_MIN_LENGTH", INT, 10, "Shortest allowed password.", "Accounts", minimum=1),
    Setting(
        "REMEMBER_DAYS",
        INT,
        30,
        'How many days "Keep me signed in on this device" lasts. Signing out, "Sign out everywhere", a password '
        "change or reset and deactivation end it sooner, on every device.",
        "Accounts",
        minimum=1,
    ),
    Setting("INVITATION_VALID_HOURS", INT, 168, "How long the link in an invitation works.", "Accounts", minimum=1),
    Setting(
        "PASSWORD_RESET_VALID_HOURS",
        INT,
        2,
        "How long the link in a password reset email works.",
        "Accounts",
        minimum=1,
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        STR,
        "memory://",
        "Where the sign-in limits count.",
        "Sign-in limits",
    ),
    Setting(
        "RATELIMIT_SINGLE_PROCESS",
        BOOL,
        False,
        "True allows memory:// in production: the app runs as one process, which counts alone.",
        "Sign-in limits",
    ),
    Setting(
        "LOGIN_LIMIT_PER_ACCOUNT_AND_IP",
        RATE_LIMIT,
        "5 per 15 minutes",
        "Failed sign-ins at one account from one address.",
        "Sign-in limits",
    ),
    Setting(
        "LOGIN_LIMIT_PER_IP",
        RATE_LIMIT,
        "30 per 15 minutes",
        "Failed sign-ins from one address, at any accounts.",
        "Sign-in limits",
    ),
    Setting("MAIL_SERVER", STR, "127.0.0.1", "The SMTP server's host name or address.", "Email"),
    Setting("MAIL_PORT", INT, 8025, "The SMTP server's port.", "Email", minimum=1, maximum=65535),
    Setting("MAIL_USE_TLS", BOOL, False, "Start TLS (STARTTLS) before signing in to the SMTP server.", "Email"),
    Setting(
        "MAIL_USERNAME", OPTIONAL_STR, None, "User name at the SMTP server; not set: no sign-in.", "Email", example=""
    ),
    Setting("MAIL_PASSWORD", OPTIONAL_STR, None, "Password at the SMTP server.", "Email", example=""),
    Setting(
        "MAIL_SENDER",
        STR,
        "Kaiku Training <noreply@example.org>",
        "The From address of every email.",
        "Email",
    ),
    Setting("MAIL_TIMEOUT", INT, 10, "Seconds to wait for the SMTP server.", "Email", minimum=1),
    Setting(
        "OUTBOX_MAX_ATTEMPTS",
        INT,
        8,
        "After this many failed deliveries a message is marked failed and shown to admins in the outbox.",
        "Email",
        minimum=1,
    ),
    Setting(
        "OUTBOX_RETRY_BASE_SECONDS",
        INT,
        60,
        "The n-th retry of a delivery waits outbox_retry_base_seconds * 2^(n-1).",
        "Email",
        minimum=1,
    ),
    Setting(
        "OUTBOX_CLAIM_TIMEOUT_SECONDS",
        INT,
        900,
        "A delivery run that stops (killed, crashed) leaves its claimed messages; after this many seconds another "
        "run takes over those it had not yet started. One it was handing to the SMTP server may have arrived: it "
        "is marked failed (for an admin to retry), not sent twice.",
        "Email",
        minimum=1,
    ),
    Setting(
        "OUTBOX_KEEP_SENT_DAYS",
        INT,
        90,
        "`flask outbox purge` (daily from cron) deletes sent messages this many days after they were sent; "
        "messages not sent (queued, being sent, failed) are never purged. A person's data download lists the "
        "emails still kept. 0 keeps sent messages for ever.",
        "Email",
        minimum=0,
    ),
    Setting(
        "REQUESTED_EMAILS_PER_ADDRESS_PER_HOUR",
        INT,
        3,
        "Password resets and guest confirmation links can be asked for any address by anyone: each address gets "
        "at most this many of them an hour (counted together, whoever asks; the rest are not sent, and the page "
        "answers as if they were).",
        "Email",
        minimum=0,
    ),
    Setting(
        "JOIN_OPENS_MINUTES_BEFORE",
        INT,
        15,
        "The join link in calendars forwards confirmed registrants to the meeting link from this many minutes "
        "before the start.",
        "Live sessions",
        minimum=0,
    ),
    Setting(
        "PROMOTION_CUTOFF_HOURS",
        INT,
        2,
        "A cancellation promotes the first person on the waiting list, until this many hours before the start.",
        "Live sessions",
        minimum=0,
    ),
    Setting(
        "REMINDER_OFFSETS_MINUTES",
        INT_LIST,
        [1440, 60],
        "`flask reminders send` reminds confirmed registrants this many minutes before a session (environment: "
        "KAIKU_REMINDER_OFFSETS_MINUTES=1440,60).",
        "Live sessions",
        minimum=1,
    ),
    Setting(
        "FEED_REFRESH_MINUTES",
        INT,
        60,
        "How often calendar clients are asked to refresh feeds.",
        "Live sessions",
        minimum=1,
    ),
    Setting(
        "FEED_CACHE_SECONDS",
        INT,
        10,
        "Each worker keeps a built feed this many seconds, so that polling costs no database work; changes and "
        "revoked addresses show in feeds at most this much later. 0 turns it off.",
        "Live sessions",
        minimum=0,
    ),
    Setting(
        "REPORT_CACHE_SECONDS",
        INT,
        60,
        "Each worker keeps a computed progress grid while no data behind it changes, for at most this many "
        "seconds (statuses also change with time as due dates pass and completions expire). 0 turns it off.",
        "Reports",
        minimum=0,
    ),
    Setting("MAX_REQUEST_MB", INT, 25, "The largest request body, in MB.", "Uploads", minimum=1),
    Setting("MATERIAL_MAX_MB", INT, 20, "The largest meeting material, in MB.", "Uploads", minimum=1),
    Setting(
        "MATERIAL_FILE_TYPES",
        STR_LIST,
        ["pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "txt", "png", "jpg", "jpeg"],
        "Meeting materials must have one of these file name extensions.",
        "Uploads",
    ),
    Setting(
        "OUTBOX_SEND_EVERY_SECONDS", INT, 30, "Delivering queued email (`flask outbox send`).", "Worker", minimum=0
    ),
    Setting(
        "REMINDERS_SEND_EVERY_SECONDS",
        INT,
        300,
        "Sending the session reminders that are due (`flask reminders send`).",
        "Worker",
        minimum=0,
    ),
    Setting(
        "LAPSE_UNCONFIRMED_EVERY_SECONDS",
        INT,
        600,
        "Lapsing guest registrations left unconfirmed.",
        "Worker",
        minimum=0,
    ),
    Setting(
        "OUTBOX_PURGE_EVERY_SECONDS",
        INT,
        86400,
        "Deleting sent email older than outbox_keep_sent_days (`flask outbox purge`).",
        "Worker",
        minimum=0,
    ),
    Setting(
        "WORKER_CLAIM_SECONDS",
        INT,
        900,
        "A job run claimed by a worker that stopped is taken over by another worker after this many seconds.",
        "Worker",
        minimum=1,
    ),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


def load_settings(instance_path: str, overrides: dict | None = None) -> dict:
    """Return the merged settings in load order: defaults, TOML file, environment, overrides.
    Refuse (ConfigError, naming each place, setting and expected type) an unknown setting or a
    value of the wrong type in any of them."""
    named = os.environ.get(f"{ENV_PREFIX}CONFIG")
    config_path = Path(named or Path(instance_path) / "config.toml")
    if named and not config_path.is_file():  # a typo would start production on the defaults
        raise ConfigError(f"{ENV_PREFIX}CONFIG names {config_path}, which is not a file.")
    problems: list[str] = []
    settings = dict(DEFAULTS)
    settings.update(_checked(_read_toml(config_path), str(config_path), problems))
    settings.update(_from_environment(os.environ, problems))
    settings.update(_checked(overrides or {}, "overrides", problems, passed_on=FLASK_KEYS))
    if problems:
        raise ConfigError("\n".join(problems))
    return settings


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:  # its message gives the line and column
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None


def _checked(
    values: Mapping[str, Any], where: str, problems: list[str], passed_on: frozenset[str] = frozenset()
) -> dict:
    """The known settings of `values` whose values are right, by name; a problem for each other key.
    Names are case-insensitive: the file's are lower case, the overrides' upper case."""
    checked = {}
    for key, value in values.items():
        setting = BY_NAME.get(key.upper())
        if key in passed_on:
            checked[key] = value
        elif setting is None:
            problems.append(f"{where}: unknown setting {key!r}{_hint(key, value)}")
        elif problem := setting.problem(value):
            problems.append(f"{where}: {key} {problem}")
        else:
            checked[setting.name] = value
    return checked


def _hint(key: str, value: Any) -> str:
    """What the writer of an unknown key probably meant."""
    if isinstance(value, dict):
        return " (a table: every setting is a key at the top of the file, before any [table])"
    close = difflib.get_close_matches(key.upper(), BY_NAME, n=1)
    if not close:
        return ""
    return f" (did you mean {close[0] if key.isupper() else close[0].lower()!r}?)"


def _from_environment(environ: Mapping[str, str], problems: list[str]) -> dict:
    """KAIKU_<NAME> of each setting that is set, read into the setting's type."""
    values = {}
    for setting in SETTINGS:
        variable = ENV_PREFIX + setting.name
        raw = environ.get(variable)
        if raw is None:
            continue
        try:
            value = setting.kind.parse(raw)
        except ValueError:
            separated = " separated by commas" if setting.kind.item else ""
            problems.append(f"environment: {variable} must be {setting.expected}{separated}, not {raw!r}")
            continue
        if problem := setting.problem(value):
            problems.append(f"environment: {variable} {problem}")
        else:
            values[setting.name] = value
    return values


EXAMPLE_HEADER = """\
Kaiku Training configuration. Copy to instance/config.toml (or point KAIKU_CONFIG at a file).
Every setting can also come from the environment as KAIKU_<NAME>, e.g. KAIKU_DATABASE_URL, which \
wins over this file. Names here are case-insensitive. An unknown name or a value of the wrong \
type stops the app at start, with a message naming the file, the setting and the type.
This file is written from SETTINGS in app/config.py, by:
  flask settings example > config.example.toml"""
EXAMPLE_WIDTH = 98


def example_config() -> str:
    """config.example.toml: every setting with its documentation and default, by section."""
    lines = _comment(EXAMPLE_HEADER)
    for section, introduction in SECTIONS.items():
        lines += ["", "", f"# ---- {section} ".ljust(EXAMPLE_WIDTH, "-")]
        lines += _comment(introduction)
        for setting in SETTINGS:
            if setting.section == section:
                lines += ["", *_comment(f"{setting.doc}\nMust be {setting.expected}."), _example_line(setting)]
    return "\n".join(lines) + "\n"


def _comment(text: str) -> list[str]:
    """`text` as comment lines, wrapped; a line indented by two spaces (a command) is kept as it is."""
    lines = []
    for line in text.splitlines():
        wrapped = [line] if line.startswith("  ") else textwrap.wrap(line, EXAMPLE_WIDTH - 2, break_on_hyphens=False)
        lines += [f"# {part}" for part in wrapped]
    return lines


def _example_line(setting: Setting) -> str:
    name = setting.name.lower()
    if setting.default is None:  # TOML has no "not set": the line is there to uncomment
        return f"# {name} = {_toml(setting.example or '')}"
    return f"{name} = {_toml(setting.default)}"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    return str(value)


def check_settings(settings: dict) -> None:
    """Refuse, before anything runs, a production configuration that would be unsafe."""
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
