"""Changes made in the staff pages, exports and data downloads are recorded, and admins, only
admins, read them back."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from kaiku_training.accounts import privacy
from kaiku_training.accounts.models import Role, User
from kaiku_training.audit import services
from kaiku_training.audit.models import AuditEvent
from kaiku_training.extensions import db
from tests.factories import make_admin, make_area, make_user

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
    client.post(
        f"/manage/people/{person.id}/active",
        data={"active": "0", "csrf_token": "csrf-value", "new_password": "hunter2-secret"},
    )
    [event] = _events()
    assert (event.actor_id, event.action) == (admin.id, "person.deactivated")
    assert (event.subject_kind, event.subject_id) == ("user", person.id)
    assert event.details == {}

    page = client.get("/manage/audit/").get_data(as_text=True)
    assert "Deactivated a person" in page and f'<a href="/manage/people/{person.id}">Aino Virtanen</a>' in page
    assert "Admin Person" in page and "admin@example.org" in page
    assert "csrf-value" not in page and "hunter2-secret" not in page


def test_inviting_is_recorded_with_what_was_submitted(client, admin):
    client.post(
        "/manage/people/invite", data={**PERSON_FORM, "email": "aino@example.org", "roles": ["coordinator", "trainer"]}
    )
    [event] = _events()
    assert event.action == "person.invited" and event.subject_kind == "user"
    assert event.details["email"] == "aino@example.org" and event.details["roles"] == ["coordinator", "trainer"]
    assert "Invited a person" in client.get("/manage/audit/").get_data(as_text=True)


def test_refused_and_read_only_requests_are_not_recorded(client, admin):
    client.post("/manage/people/invite", data={**PERSON_FORM, "email": "not an address"})
    client.get("/manage/people")
    client.post("/language", data={"locale": "sv"})  # a redirect, but not a staff page
    assert _events() == []


def test_erasing_is_recorded_without_the_typed_confirmation_and_forgets_the_persons_identity(client, admin):
    client.post("/manage/people/invite", data={**PERSON_FORM, "email": "aino@example.org"}, follow_redirects=True)
    person_id = db.session.scalar(select(User.id).where(User.email == "aino@example.org"))
    client.post(f"/manage/people/{person_id}", data=PERSON_FORM, follow_redirects=True)
    client.post(f"/manage/people/{person_id}/erase", data={"confirm_email": "aino@example.org"}, follow_redirects=True)
    invited, edited, erased = _events()
    assert erased.action == "person.erased" and erased.details == {}
    assert invited.details["email"] is None and invited.details["name"] is None
    assert edited.details["name"] is None and edited.details["roles"] == ["coordinator"]
    page = client.get("/manage/audit/").get_data(as_text=True)
    assert "Erased a person's personal data" in page and "Aino" not in page and "aino@" not in page


def test_personal_data_download_is_listed(client, auth, app):
    make_user("aino@example.org", name="Aino Virtanen")
    auth.sign_in("aino@example.org")
    client.get("/account/data.json")
    auth.sign_out()
    make_admin(email="admin@example.org")
    auth.sign_in("admin@example.org")
    client.set_cookie("kaiku_lang", "en")
    page = client.get("/manage/audit/").get_data(as_text=True)
    assert "Downloaded own personal data" in page and "Aino Virtanen" in page and "aino@example.org" in page


def _record(actor, action, subject=None, details=None):
    services.record_staff_action(actor, action=action, subject=subject, details=details)
    db.session.commit()


def test_exports_show_in_helsinki_time_with_their_details(client, admin):
    _record(admin, "report.exported", details={"format": "xlsx", "rows": 12})
    [event] = _events()
    event.occurred_at = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)
    db.session.commit()
    page = client.get("/manage/audit/").get_data(as_text=True)
    assert "Exported a report" in page and "12:00" in page  # UTC+2 in winter
    assert "format</code>: xlsx" in page and "rows</code>: 12" in page


def test_a_report_export_is_recorded_with_its_filters(client, admin):
    client.get("/reports/matrix/people.csv?status=overdue").get_data()
    [event] = _events()
    assert event.action == "report.exported" and event.details["filters"] == {"status": "overdue"}


def test_log_filters_by_action_and_actor(client, admin):
    other = make_admin(email="other.admin@example.org", name="Other Admin")
    area = make_area("Ahvenanmaa-testi", name_en="Åland test")
    _record(admin, "report.exported")
    _record(other, "area.saved", subject=area)

    by_action = client.get("/manage/audit/?action=report.exported").get_data(as_text=True)
    assert "Exported a report" in by_action and "Åland test" not in by_action
    by_actor = client.get("/manage/audit/?actor=OTHER.admin").get_data(as_text=True)
    assert "Åland test" in by_actor and "Exported a report</td>" not in by_actor
    assert '<option value="area.saved">Saved an area</option>' in by_actor


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TRAINER])
def test_only_admins_see_the_log(client, auth, app, role):
    make_user("staff@example.org", roles=[role])
    auth.sign_in("staff@example.org")
    assert client.get("/manage/audit/").status_code == 403


def test_recorded_details_keep_no_secrets_and_short_values(app):
    admin = make_admin()
    _record(
        admin,
        "people.imported",
        details={"password-current": "x", "token": "x", "confirm_email": "x", "body": "a" * 500, "selected": [1, 2]},
    )
    [event] = _events()
    assert event.details == {"body": "a" * 200, "selected": [1, 2]}
    assert event.actor_id == admin.id and event.occurred_at.tzinfo is not None


def test_an_action_rolled_back_leaves_no_trace(app):
    admin = make_admin()
    services.record_staff_action(admin, action="report.exported")
    db.session.rollback()
    assert _events() == []


def test_erased_actor_shows_as_erased_person(client, admin):
    former = make_admin(email="former@example.org", name="Former Admin")
    _record(former, "report.exported")
    privacy.erase(former, erased_by=admin)
    page = client.get("/manage/audit/").get_data(as_text=True)
    assert "Erased person" in page and "Former Admin" not in page


def test_a_cancelled_session_is_recorded_with_who_cancelled_it_and_how_many_were_told(client, auth, app):
    from tests.events.conftest import make_session

    trainer = make_user("trainer@example.org", name="Tiina Kouluttaja", roles=[Role.TRAINER])
    session = make_session()
    auth.sign_in("trainer@example.org")
    assert client.post(f"/manage/sessions/{session.id}/cancel", data={}).status_code == 302
    scheduled, event = _events()
    assert scheduled.action == "sessions.scheduled" and scheduled.actor_id is None  # by a factory, no one
    assert (event.action, event.actor_id, event.subject_kind, event.subject_id) == (
        "session.cancelled",
        trainer.id,
        "training_session",
        session.id,
    )
    assert event.details == {"sessions": 1, "people_told": 0}
