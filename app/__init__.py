"""Kaiku Training: create_app() for standalone use, init_app() to mount into a host Flask site."""

import os
from pathlib import Path
from types import ModuleType

from flask import Flask

from . import accounts, audit, calendar, core, curriculum, demo, events, meetings, outbox, reports
from .config import flask_config, load_settings
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


def create_app(overrides: dict | None = None) -> Flask:
    """The standalone application: Kaiku Training served at the site root."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None, template_folder=None)
    init_app(app, overrides=overrides)
    return app


def init_app(app: Flask, url_prefix: str = "", overrides: dict | None = None) -> None:
    """Bind Kaiku Training to `app`, with every page under `url_prefix` (e.g. "/training")."""
    os.makedirs(app.instance_path, exist_ok=True)
    settings = load_settings(app.instance_path, overrides)
    if not settings["SECRET_KEY"] and app.config.get("SECRET_KEY"):
        settings["SECRET_KEY"] = app.config["SECRET_KEY"]  # a host's key serves us too
    app.config.update(flask_config(settings, app.instance_path))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")

    app.config[URL_PREFIX] = url_prefix
    app.jinja_env.add_extension("jinja2.ext.do")
    _init_extensions(app)
    for feature in FEATURES:
        feature.init_app(app)
    app.extensions["kaiku_blueprints"] = frozenset(app.extensions["kaiku_blueprints"])

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]


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
