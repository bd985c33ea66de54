from flask import Blueprint, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from . import db
from .models import User

blueprint = Blueprint("host", __name__)


@blueprint.route("/")
def home():
    return render_template("index.html", message=_("Welcome to the host site"))


@blueprint.post("/login")
def login():
    login_user(db.session.execute(db.select(User).filter_by(email=request.form["email"])).scalar_one())
    return redirect("/me")


@blueprint.post("/logout")
def logout():
    logout_user()
    return redirect("/")


@blueprint.route("/me")
def me():
    return render_template("index.html", message=current_user.name if current_user.is_authenticated else "nobody")
