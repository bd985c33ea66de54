"""Every route refuses the roles it does not serve."""

import pytest

from kaiku_training.accounts.models import Role
from tests.factories import make_area, make_user

ADMIN_PAGES = [
    "/manage/people",
    "/manage/people/invite",
    "/manage/people/import",
    "/manage/areas",
    "/manage/areas/new",
    "/manage/outbox/",
    "/manage/audit/",
    "/manage/guests/erase",
]


ADMIN_PREFIXES = ("/manage/people", "/manage/areas", "/manage/outbox", "/manage/audit", "/manage/guests")


def _admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(ADMIN_PREFIXES)]


def test_every_admin_route_is_listed_or_parametrised(app):
    """A new admin route without an access test would fail here."""
    plain = {rule.rule for rule in _admin_rules(app) if not rule.arguments}
    assert plain <= set(ADMIN_PAGES)


@pytest.mark.parametrize("role", [None, Role.COORDINATOR, Role.TRAINER])
def test_admin_routes_are_refused_to_other_roles(client, auth, app, role):
    make_area()
    if role:
        make_user("person@example.org", roles=[role])
        auth.sign_in("person@example.org")
    for rule in _admin_rules(app):
        url = rule.rule.replace("<int:person_id>", "1").replace("<int:area_id>", "1").replace("<int:message_id>", "1")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            expected = 403 if role else 302
            assert response.status_code == expected, (url, method, response.status_code)
            if not role:
                assert response.headers["Location"].startswith("/sign-in?next=")


def test_account_page_needs_sign_in(client, app):
    assert client.get("/account").status_code == 302


def test_forbidden_page_is_localized(client, auth, app):
    make_user("person@example.org")
    auth.sign_in("person@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get("/manage/people")
    assert page.status_code == 403
    assert "You do not have access to this page" in page.get_data(as_text=True)
