"""Kaiku Training mounted into a host Flask site under a URL prefix."""

import re

import pytest
from flask import Flask

from kaiku_training import init_app
from kaiku_training.demo.accounts import DEMO_PASSWORD, load_demo_data
from kaiku_training.extensions import db


@pytest.fixture
def host(app_settings):
    host = Flask("host_site")
    host.config["SECRET_KEY"] = "host-secret"

    @host.route("/")
    def host_home():
        return "the host site"

    init_app(host, url_prefix="/training", overrides=app_settings)
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
