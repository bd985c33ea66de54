"""Changes made in the staff pages, exports and data downloads are recorded, and admins, only
admins, read them back."""
import io
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from app.accounts import privacy
from app.accounts.models import Role, User
from app.audit import services
from app.audit.models import AuditEvent
from app.extensions import db
from tests.factories import make_admin, make_user

PERSON_FORM = {"name": "Aino Virtanen", "roles": ["coordinator"], "area_id": 0, "sector": "", "locale": "fi"}


@pytest.fixture
def admin(client, auth, app):
    """An admin, signed in, reading English."""
    person = make_admin(email="admin@example.org", name="Admin Person")
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    return person


def _events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_an_admin_action_appears_in_the_log_without_secrets(client, admin):
    person = make_user("aino@example.org", name="Aino Virtanen")
    client.post(f"/admin/people/{person.id}/active",
                data={"active": "0", "csrf_token": "csrf-value", "new_password": "hunter2-secret"})
    [event] = _events()
    assert (event.actor_id, event.action) == (admin.id, "accounts_admin.set_active")
    assert event.subject == f"person_id={person.id}"
    assert event.details == {"active": "0"}

    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "Deactivated or reactivated a person" in page and f"person_id={person.id}" in page
    assert "Admin Person" in page and "admin@example.org" in page
    assert "csrf-value" not in page and "hunter2-secret" not in page


def test_inviting_is_recorded_with_what_was_submitted(client, admin):
    client.post("/admin/people/invite",
                data={**PERSON_FORM, "email": "aino@example.org", "roles": ["coordinator", "trainer"]})
    [event] = _events()
    assert event.action == "accounts_admin.invite" and event.subject is None
    assert event.details["email"] == "aino@example.org" and event.details["roles"] == ["coordinator", "trainer"]
    assert "Invited a person" in client.get("/admin/audit/").get_data(as_text=True)


def test_refused_and_read_only_requests_are_not_recorded(client, admin):
    client.post("/admin/people/invite", data={**PERSON_FORM, "email": "not an address"})
    client.get("/admin/people")
    client.post("/language", data={"locale": "sv"})  # a redirect, but not a staff page
    assert _events() == []


def test_erasing_is_recorded_without_the_typed_confirmation_and_forgets_the_persons_identity(client, admin):
    client.post("/admin/people/invite", data={**PERSON_FORM, "email": "aino@example.org"}, follow_redirects=True)
    person_id = db.session.scalar(select(User.id).where(User.email == "aino@example.org"))
    client.post(f"/admin/people/{person_id}", data=PERSON_FORM, follow_redirects=True)
    client.post(f"/admin/people/{person_id}/erase", data={"confirm_email": "aino@example.org"}, follow_redirects=True)
    invited, edited, erased = _events()
    assert erased.action == "accounts_admin.erase" and erased.details == {}
    assert invited.details["email"] is None and invited.details["name"] is None
    assert edited.details["name"] is None and edited.details["roles"] == "coordinator"
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "Erased a person's personal data" in page and "Aino" not in page and "aino@" not in page


def test_personal_data_download_is_listed(client, auth, app):
    make_user("aino@example.org", name="Aino Virtanen")
    auth.sign_in("aino@example.org")
    client.get("/account/data.json")
    auth.sign_out()
    make_admin(email="admin@example.org")
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "Downloaded own personal data" in page and "Aino Virtanen" in page and "aino@example.org" in page


def test_explicitly_recorded_exports_show_in_helsinki_time(client, admin):
    event = services.record(admin, "reports.export", subject="progress", details={"format": "xlsx", "rows": 12})
    event.occurred_at = datetime(2027, 1, 15, 10, 0, tzinfo=timezone.utc)
    db.session.commit()
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "Exported a report" in page and "12:00" in page  # UTC+2 in winter
    assert "format</code>: xlsx" in page and "rows</code>: 12" in page


def test_log_filters_by_action_and_actor(client, admin):
    other = make_admin(email="other.admin@example.org", name="Other Admin")
    services.record(admin, "reports.export")
    services.record(other, "accounts_admin.edit_area", subject="area_id=3")

    by_action = client.get("/admin/audit/?action=reports.export").get_data(as_text=True)
    assert "Exported a report" in by_action and "area_id=3" not in by_action
    by_actor = client.get("/admin/audit/?actor=OTHER.admin").get_data(as_text=True)
    assert "area_id=3" in by_actor and "Exported a report</td>" not in by_actor
    assert '<option value="accounts_admin.edit_area">Saved an area</option>' in by_actor


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TRAINER])
def test_only_admins_see_the_log(client, auth, app, role):
    make_user("staff@example.org", roles=[role])
    auth.sign_in("staff@example.org")
    assert client.get("/admin/audit/").status_code == 403


def test_form_details_keep_no_secrets_and_short_values(app):
    form = MultiDict([("csrf_token", "x"), ("password-current", "x"), ("token", "x"), ("confirm_email", "x"),
                      ("body", "a" * 500), ("selected", "1"), ("selected", "2")])
    files = MultiDict([("file", FileStorage(io.BytesIO(b"secret content"), filename="people.csv"))])
    assert services.form_details(form, files) == {"body": "a" * 200, "selected": ["1", "2"], "file": "people.csv"}
    assert services.describe_subject({"year": 2027, "item_id": 4}) == "item_id=4, year=2027"
    assert services.describe_subject({}) is None


def test_record_keeps_the_actor_and_commits(app):
    admin = make_admin()
    services.record(admin, "reports.export", subject="x" * 300, details={"report": "progress"})
    db.session.rollback()
    [event] = _events()
    assert event.actor_id == admin.id and len(event.subject) == 200 and event.details == {"report": "progress"}
    assert event.occurred_at.tzinfo is not None


def test_erased_actor_shows_as_erased_person(client, admin):
    former = make_admin(email="former@example.org", name="Former Admin")
    services.record(former, "reports.export")
    privacy.erase(former, erased_by=admin)
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "Erased person" in page and "Former Admin" not in page
