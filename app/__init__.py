"""Kaiku Training: create_app() for standalone use; mount() or init_app() to serve it in a host Flask site."""

import os
from pathlib import Path
from types import ModuleType

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from . import accounts, audit, calendar, core, curriculum, demo, events, meetings, outbox, reports
from .accounts.sso import HOST_PERSON, HostPerson, HostPersonHook
from .config import ConfigError, flask_config, load_settings
from .core.features import URL_PREFIX
from .extensions import babel, csrf, db, limiter, login_manager, migrate

# Each feature mounts itself with its init_app(): blueprints, CLI groups, template filters and
# signal subscribers. Core comes first (it replaces Babel's date filters); subscribers run in
# this order, the audit log's before the others'; demo data last, it stands on all of them.
FEATURES: tuple[ModuleType, ...] = (
    core,
    accounts,
    audit,
    outbox,
    curriculum,
    events,
    meetings,
    calendar,
    reports,
    demo,
)

PACKAGE_DIR = Path(__file__).resolve().parent
# The wheel installs migrations/ inside the package; the source tree keeps it beside app/.
MIGRATIONS_DIR = (
    PACKAGE_DIR / "migrations" if (PACKAGE_DIR / "migrations").is_dir() else PACKAGE_DIR.parent / "migrations"
)

__all__ = ["HostConflict", "HostPerson", "create_app", "init_app", "mount"]


class HostConflict(ConfigError):
    """init_app() was asked to share an application whose extensions would clash with ours."""


# What a host may already have bound that we would bind a second time, and how to tell.
HOST_EXTENSIONS = {
    "Flask-SQLAlchemy instance": lambda host: "sqlalchemy" in host.extensions,
    "Flask-Login LoginManager": lambda host: hasattr(host, "login_manager"),
    "Flask-Babel instance": lambda host: "babel" in host.extensions,
}


def create_app(overrides: dict | None = None, host_person: HostPersonHook | None = None) -> Flask:
    """The standalone application: Kaiku Training served at the site root (or mount()ed under
    a prefix). `host_person`: single sign-on from a host site, see accounts/sso.py."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None, template_folder=None)
    init_app(app, overrides=overrides, host_person=host_person)
    return app


def mount(
    host: Flask, prefix: str = "/training", overrides: dict | None = None, host_person: HostPersonHook | None = None
) -> Flask:
    """Serve Kaiku Training as an application of its own under `prefix` of `host`'s URL space;
    the two share nothing else (database, sign-in, languages, cookies, secret key). Returns ours."""
    prefix = "/" + prefix.strip("/")  # the dispatcher matches "/training", never "/training/"
    kaiku = create_app(overrides, host_person=host_person)
    # Our cookies stay under the prefix, named apart from the host's, which the browser also
    # sends there (a host's "session" at path "/" would otherwise shadow ours or be replaced).
    kaiku.config.update(
        APPLICATION_ROOT=prefix,
        SESSION_COOKIE_NAME="kaiku_session",
        SESSION_COOKIE_PATH=prefix,
        REMEMBER_COOKIE_NAME="kaiku_remember",
        REMEMBER_COOKIE_PATH=prefix,
    )
    host.wsgi_app = DispatcherMiddleware(host.wsgi_app, {prefix: kaiku})  # type: ignore[method-assign]
    return kaiku


def init_app(
    app: Flask, url_prefix: str = "", overrides: dict | None = None, host_person: HostPersonHook | None = None
) -> None:
    """Bind Kaiku Training to `app`, with every page under `url_prefix` (e.g. "/training").
    Raises HostConflict, before binding anything, if `app` has its own SQLAlchemy, LoginManager
    or Babel: such a host mount()s us instead."""
    _refuse_host_conflicts(app)
    os.makedirs(app.instance_path, exist_ok=True)
    settings = load_settings(app.instance_path, overrides)
    if not settings["SECRET_KEY"] and app.config.get("SECRET_KEY"):
        settings["SECRET_KEY"] = app.config["SECRET_KEY"]  # a host's key serves us too
    app.config.update(_keeping_host_settings(app, flask_config(settings, app.instance_path)))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")

    app.config[URL_PREFIX] = url_prefix
    app.extensions[HOST_PERSON] = host_person
    app.jinja_env.add_extension("jinja2.ext.do")
    _init_extensions(app)
    for feature in FEATURES:
        feature.init_app(app)
    app.extensions["kaiku_blueprints"] = frozenset(app.extensions["kaiku_blueprints"])

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]


def _keeping_host_settings(host: Flask, ours: dict) -> dict:
    """Our Flask settings, except those a host in one application has set itself: its secret key,
    cookie flags and request limits stay its own (a secure cookie stays secure if either says so)."""
    host_set = {key for key, default in Flask.default_config.items() if host.config.get(key) != default}
    kept = {key: value for key, value in ours.items() if key not in host_set}
    kept["SESSION_COOKIE_SECURE"] = bool(host.config.get("SESSION_COOKIE_SECURE") or ours["SESSION_COOKIE_SECURE"])
    return kept


def _refuse_host_conflicts(host: Flask) -> None:
    clashing = [name for name, present in HOST_EXTENSIONS.items() if present(host)]
    if clashing:
        raise HostConflict(
            f"The host application already has its own {' and its own '.join(clashing)}; Kaiku Training "
            "binds its own and would replace it. Serve Kaiku Training as an application of its own instead: "
            'kaiku_training.mount(host, "/training").'
        )


def _import_models() -> None:
    """Every model module, so that metadata (and migrations) see all tables."""
    from .accounts import models as _accounts  # noqa: F401
    from .audit import models as _audit  # noqa: F401
    from .calendar import models as _calendar  # noqa: F401
    from .core import models as _core  # noqa: F401
    from .curriculum import models as _curriculum  # noqa: F401
    from .events import models as _events  # noqa: F401
    from .meetings import models as _meetings  # noqa: F401
    from .outbox import models as _outbox  # noqa: F401
    from .reports import changes as _reports  # noqa: F401


def _init_extensions(app: Flask) -> None:
    _import_models()
    from .accounts.services import load_user
    from .core.i18n import select_locale, select_timezone
    from .core.timeutil import render_migration_type

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(MIGRATIONS_DIR),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_type,
    )
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = None  # the sign-in page itself says why you are there
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)
