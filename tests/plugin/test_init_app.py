"""Kaiku Training bound to a host's own application with init_app(host, url_prefix="/training"):
a host without our extensions of its own, its templates beside ours, single sign-on from its
session, and the refusal of a host whose SQLAlchemy, LoginManager or Babel we would replace."""

import re

import pytest
from flask import Flask, request, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select

from kaiku_training import HostConflict, HostPerson, init_app
from kaiku_training.accounts.models import Role, User
from kaiku_training.demo.accounts import DEMO_PASSWORD, load_demo_data
from kaiku_training.extensions import db
from tests.conftest import _forget_request_state
from tests.web import Browser


@pytest.fixture
def host_templates(tmp_path):
    """The host's own template folder."""
    folder = tmp_path / "templates"
    (folder / "kaiku").mkdir(parents=True)
    return folder


@pytest.fixture
def host_person():
    """The host's single sign-on hook: none unless a test gives one."""
    return


@pytest.fixture
def host(app_settings, host_templates, host_person):
    host = Flask("host_site", template_folder=str(host_templates))
    host.config["SECRET_KEY"] = "host-secret"
    host.before_request(_forget_request_state)

    @host.route("/")
    def host_home():
        return "the host site"

    @host.post("/host-sign-in")
    def host_sign_in():
        session["host_email"] = request.form["email"]
        return "signed in at the host"

    init_app(host, url_prefix="/training", overrides=app_settings, host_person=host_person)
    with host.app_context():
        db.create_all()
        yield host
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


def test_host_serves_our_pages_under_the_prefix_with_working_links(host):
    load_demo_data()
    client = host.test_client()
    assert client.get("/").get_data(as_text=True) == "the host site"
    page = client.get("/training/").get_data(as_text=True)
    links = set(re.findall(r'(?:href|action)="(/[^"]*)"', page))
    assert links and all(link.startswith("/training/") for link in links), links
    for link in links:
        if "/static/" in link or link.endswith(("/language", "/text-size", "/sign-out")):
            assert client.get(link).status_code in (200, 405)
        else:
            assert client.get(link).status_code == 200, link
    response = client.post("/training/sign-in", data={"email": "admin@example.org", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/training/"
    admin_page = client.get("/training/manage/people")
    assert admin_page.status_code == 200
    assert 'href="/training/manage/people/' in admin_page.get_data(as_text=True)
    assert client.get("/manage/people").status_code == 404  # nothing leaks outside the prefix


def sqlalchemy_of_its_own(host: Flask) -> None:
    host.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    SQLAlchemy(host)


def login_manager_of_its_own(host: Flask) -> None:
    LoginManager(host)


def babel_of_its_own(host: Flask) -> None:
    Babel(host)


@pytest.mark.parametrize(
    ("extension", "named"),
    [
        (sqlalchemy_of_its_own, "Flask-SQLAlchemy"),
        (login_manager_of_its_own, "Flask-Login LoginManager"),
        (babel_of_its_own, "Flask-Babel"),
    ],
    ids=["sqlalchemy", "login_manager", "babel"],
)
def test_a_host_with_its_own_extension_is_refused_before_anything_is_bound_with_a_message_naming_it(
    app_settings, extension, named
):
    host = Flask("host_site")
    extension(host)
    bound_before = set(host.extensions)
    with pytest.raises(HostConflict) as refusal:
        init_app(host, url_prefix="/training", overrides=app_settings)
    assert named in str(refusal.value)
    assert 'kaiku_training.mount(host, "/training")' in str(refusal.value)
    assert set(host.extensions) == bound_before and not host.blueprints


def test_a_hosts_own_base_template_never_changes_our_pages(host, host_templates):
    (host_templates / "base.html").write_text('<p class="host-base">The host base</p>{% block content %}{% endblock %}')
    page = Browser(host.test_client()).get("/training/sign-in")
    assert page.soup.select_one("header.site-header") is not None
    assert page.soup.select_one(".host-base") is None


HOST_BASE = """<!doctype html>
<html lang="en"><head>{% block head %}<title>The host</title>{% endblock %}</head>
<body><header class="host-header">The host's own header</header>{% block body %}{% endblock %}</body></html>"""
HOST_KAIKU_LAYOUT = """{% extends "base.html" %}
{% block head %}{% block kaiku_head %}{% endblock %}{% endblock %}
{% block body %}{% block kaiku_body %}{% endblock %}{% endblock %}"""


def test_a_hosts_kaiku_layout_template_replaces_our_outer_layout_on_purpose(host, host_templates):
    (host_templates / "base.html").write_text(HOST_BASE)
    (host_templates / "kaiku" / "layout.html").write_text(HOST_KAIKU_LAYOUT)
    page = Browser(host.test_client()).get("/training/sign-in")
    assert page.soup.select_one(".host-header").text == "The host's own header"
    assert page.soup.select_one("header.site-header") is not None  # our page inside the host's
    assert [title.text for title in page.soup.select("title")] == ["Kirjaudu sisään – Kaiku Training"]
    assert page.soup.select_one("link[rel=stylesheet]")["href"] == "/training/static/kaiku/css/site.css"


def signed_in_at_host_session(_environ) -> HostPerson | None:
    """A host of one application knows who is signed in from the session it shares with us."""
    email = session.get("host_email")
    return HostPerson(email=email, name="Host Person", language="en") if email else None


@pytest.mark.parametrize("host_person", [signed_in_at_host_session])
def test_the_host_signs_its_person_in_here_in_one_application_too(host):
    browser = Browser(host.test_client())
    browser.request("POST", "/host-sign-in", data={"email": "Host.Person@Example.org"})
    account = browser.get("/training/account")
    assert account.path == "/training/account"
    assert "You signed in on the main site; sign out there." in account.text
    person = db.session.scalars(select(User)).one()
    assert (person.email, person.name, person.locale, person.roles) == (
        "host.person@example.org",
        "Host Person",
        "en",
        {Role.COORDINATOR},
    )
    assert browser.get("/").html == "the host site"  # the host's own pages ask nobody


def test_the_hosts_own_secret_key_cookie_flags_and_request_limit_stay_its_own(app_settings):
    """Binding us must not weaken the host: its key, secure and strict cookies and upload limit stay."""
    host = Flask("careful_host")
    host.config.update(
        SECRET_KEY="host-secret",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_CONTENT_LENGTH=1024,
    )
    init_app(host, url_prefix="/training", overrides={**app_settings, "SECRET_KEY": "k" * 64})
    assert host.config["SECRET_KEY"] == "host-secret"
    assert host.config["SESSION_COOKIE_SECURE"] is True
    assert host.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert host.config["MAX_CONTENT_LENGTH"] == 1024
    assert host.config["REMEMBER_COOKIE_HTTPONLY"] is True  # ours, where the host said nothing
