"""Language choice, text size, the accessible layout and error pages."""

import re
from datetime import UTC

from tests.factories import make_user


def test_finnish_is_the_default(client, app):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fi"' in page and "Kirjaudu sisään" in page


def test_accept_language_is_followed(client, app):
    assert '<html lang="sv"' in client.get("/", headers={"Accept-Language": "sv-FI,sv;q=0.9"}).get_data(as_text=True)


def test_language_choice_is_remembered_in_a_cookie(client, app):
    response = client.post("/language", data={"locale": "en", "next": "/sign-in"})
    assert response.headers["Location"] == "/sign-in"
    page = client.get("/sign-in", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert '<html lang="en"' in page and "Forgot your password?" in page


def test_language_choice_is_stored_for_a_signed_in_person(client, auth, app):
    person = make_user("aino@example.org")
    auth.sign_in("aino@example.org")
    client.post("/language", data={"locale": "sv", "next": "/"})
    assert person.locale == "sv"
    client.delete_cookie("kaiku_lang")
    assert '<html lang="sv"' in client.get("/account").get_data(as_text=True)


def test_language_switch_does_not_redirect_off_site(client, app):
    response = client.post("/language", data={"locale": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_text_size_control(client, app):
    assert 'class="text-100"' in client.get("/").get_data(as_text=True)
    client.post("/text-size", data={"size": "150", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert 'class="text-150"' in page
    assert re.search(r'value="150"[^>]*aria-pressed="true"', page)
    client.post("/text-size", data={"size": "9999"})
    assert 'class="text-150"' in client.get("/").get_data(as_text=True)


def test_layout_has_skip_link_landmarks_and_one_h1(client, app):
    page = client.get("/sign-in").get_data(as_text=True)
    assert page.index('class="skip-link" href="#main"') < page.index('<main id="main"')
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in page
    assert page.count("<h1") == 1
    assert "print.css" in page and "//cdn" not in page and "https://" not in page


def test_error_pages_use_the_layout_and_language(client, app):
    client.set_cookie("kaiku_lang", "sv")
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and '<html lang="sv"' in page and "<h1>" in page


def test_security_headers(client, app):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_dates_are_shown_in_helsinki_time(client, auth, app):
    from datetime import datetime

    from kaiku_training.extensions import db

    admin = make_user("admin@example.org", roles=["admin"])
    admin.last_sign_in_at = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    db.session.commit()
    auth.sign_in("admin@example.org")
    admin.last_sign_in_at = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)
    db.session.commit()
    client.set_cookie("kaiku_lang", "fi")
    page = client.get(f"/manage/people/{admin.id}").get_data(as_text=True)
    assert "12.30" in page  # 09:30 UTC is 12:30 in Helsinki in summer
