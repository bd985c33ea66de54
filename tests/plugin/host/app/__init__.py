"""A host site of its own, as a real one would be: its package is called `app`, it has its own
Flask-SQLAlchemy models (a `user` table among them), Flask-Login users and Flask-Babel
translations, and it serves Kaiku Training under /training, handing over who is signed in."""

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_sqlalchemy import SQLAlchemy

import kaiku_training
from kaiku_training import HostPerson

db = SQLAlchemy()
login_manager = LoginManager()
babel = Babel()


def create_app(kaiku_mode="mount"):
    from . import models, pages

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="the host's own secret",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(app.root_path).parent / 'host.sqlite'}",
    )
    db.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(models.load_user)
    babel.init_app(app, locale_selector=lambda: request.args.get("lang", "en"))
    app.register_blueprint(pages.blueprint)
    with app.app_context():
        db.create_all()
    if kaiku_mode == "init_app":
        kaiku_training.init_app(app, url_prefix="/training")
    else:
        kaiku_training.mount(app, "/training", host_person=signed_in_person(app))
    return app


def signed_in_person(app):
    """Who is signed in here, read from this site's own session cookie in the request's environ."""

    def host_person(environ):
        with app.request_context(environ):
            if not current_user.is_authenticated:
                return None
            return HostPerson(email=current_user.email, name=current_user.name, language=current_user.language)

    return host_person
