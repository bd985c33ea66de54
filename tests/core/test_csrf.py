"""With CSRF protection on (as in production), every form post without a token is refused."""

import pytest

from tests.factories import make_user


@pytest.fixture
def app_settings(app_settings):
    return {**app_settings, "WTF_CSRF_ENABLED": True}


def test_every_post_route_refuses_a_missing_token(app, client):
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "x")
        response = client.post(url, data={"email": "a@example.org", "password": "x"})
        assert response.status_code == 400, url


def test_form_with_token_is_accepted(app, client):
    import re

    make_user("aino@example.org")
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in", data={"csrf_token": token, "email": "aino@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 302
