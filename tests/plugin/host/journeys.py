"""People at the host site, run in the host's own folder (`python journeys.py mount`): each
journey prints what they saw as JSON, for tests/plugin/test_mounted_host.py to judge.
web.py, the tests' Browser, is copied in beside it; kaiku_training comes from the installed package."""

import json
import sys

from app.models import User
from sqlalchemy import func, select
from web import Browser

import app
from app import db

HOST_PEOPLE = [
    User(email="maija@example.org", name="Maija Host", language="sv"),  # new to Kaiku
    User(email="Eeva@Example.org", name="Eeva Host", language="en"),  # a Kaiku trainer already
    User(email="paused@example.org", name="Paused Host"),  # deactivated in Kaiku
]


def signed_in_at_host(host, email: str) -> Browser:
    browser = Browser(host.test_client())
    browser.request("POST", "/login", data={"email": email})
    return browser


def nav_of(page) -> dict:
    """What the navigation offers: its items' texts and where its links and forms go."""
    nav = page.soup.select_one(".site-nav")
    return {
        "items": [item.get_text(" ", strip=True) for item in nav.select("li")],
        "targets": [tag.get("href") or tag.get("action") for tag in nav.select("a, form")],
    }


def mount() -> dict:
    host = app.create_app()
    with host.app_context():
        db.session.add_all(HOST_PEOPLE)
        db.session.commit()
        host_users = db.session.scalar(select(func.count()).select_from(User))
    seen: dict = {"host_package": app.__file__, "host_users": host_users}

    visitor = Browser(host.test_client())
    seen["host_home"] = {
        lang: visitor.get("/", {"lang": lang}).soup.select_one(".message").text for lang in ("en", "fi")
    }
    ours = visitor.get("/training/")
    seen["our_page"] = {
        "path": ours.path,
        "lang": ours.soup.html["lang"],
        "has_our_header": ours.soup.select_one("header.site-header") is not None,
        "host_header": ours.soup.select_one(".host-header") is not None,
        "stylesheets": [link["href"] for link in ours.soup.select("link[rel=stylesheet]")],
        "links": sorted({a["href"] for a in ours.soup.select("a[href^='/']")}),
    }
    seen["static_status"] = visitor.get(seen["our_page"]["stylesheets"][0]).status
    swedish = ours.form("/language", button="Svenska").submit()
    seen["language_form"] = {"path": swedish.path, "lang": swedish.soup.html["lang"]}
    seen["post_without_csrf_token"] = visitor.request(
        "POST", "/training/language", data={"locale": "en"}, expect_status=400
    ).status

    maija = signed_in_at_host(host, "maija@example.org")
    account = maija.get("/training/account")
    seen["maija"] = {"path": account.path, "nav": nav_of(account)}
    seen["maija_cookies"] = sorted((cookie.key, cookie.path) for cookie in maija.client._cookies.values())
    profile = account.form("/training/account", button="Spara").fill(**{"profile-name": "Maija Kaiku"}).submit()
    seen["maija_profile_saved"] = {"path": profile.path, "text": profile.text}
    seen["maija_at_host"] = maija.get("/me").soup.select_one(".message").text
    maija.request("POST", "/logout")
    after = maija.get("/training/")
    seen["maija_after_host_sign_out"] = nav_of(after)

    eeva = signed_in_at_host(host, "Eeva@Example.org")
    seen["eeva_nav"] = nav_of(eeva.get("/training/"))
    paused = signed_in_at_host(host, "paused@example.org")
    seen["paused_account"] = paused.get("/training/account").path
    return seen


if __name__ == "__main__":
    print(json.dumps({"mount": mount}[sys.argv[1]]()))
