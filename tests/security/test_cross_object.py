"""Past the role check, a person still reaches only their own things: another area's people and
sessions, another person's registration, another registration through a link."""

from datetime import UTC, datetime

from sqlalchemy import select

from kaiku_training.accounts.models import Role
from kaiku_training.events.models import Registration, RegistrationStatus
from kaiku_training.events.registrations import register_person, registration_of
from kaiku_training.extensions import db
from kaiku_training.meetings.models import Material
from kaiku_training.meetings.services import find_edition
from tests.events.conftest import make_session
from tests.meetings.factories import add_file_material, make_meeting
from tests.security.world import act_as, build_world, make_person


def test_a_session_for_one_area_is_refused_to_a_coordinator_of_another(client, courses_dir):
    world = build_world(courses_dir)
    home, other = world.others["home"], world.others["other"]
    session = make_session(audience_area_ids=[home.id])
    pages = [f"/sessions/{session.id}", f"/sessions/{session.id}/event.ics"]

    act_as(client, other)
    assert [client.get(page).status_code for page in pages] == [403, 403]
    assert client.post(f"/sessions/{session.id}/register").status_code == 403
    assert db.session.scalar(select(Registration).where(Registration.session_id == session.id)) is None

    act_as(client, world.people["coordinator"])
    assert [client.get(page).status_code for page in pages] == [200, 200]


def test_a_session_for_coordinators_is_refused_to_an_area_lead_who_is_not_one(client, courses_dir):
    world = build_world(courses_dir)
    session = make_session(audience_roles=[Role.COORDINATOR])
    act_as(client, world.people["area_lead"])
    assert client.get(f"/sessions/{session.id}").status_code == 403
    assert client.post(f"/sessions/{session.id}/register").status_code == 403


def test_an_area_lead_reaches_the_people_of_their_own_area_only(client, courses_dir):
    world = build_world(courses_dir)
    lead, coordinator, other = world.people["area_lead"], world.people["coordinator"], world.others["other"]
    act_as(client, lead)
    assert client.get(f"/reports/people/{coordinator.id}").status_code == 200
    assert client.get(f"/reports/people/{other.id}").status_code == 403
    # whatever the URL says, the matrix and its download hold the own area only
    elsewhere = world.others["elsewhere"].id
    page = client.get(f"/reports/matrix?area={elsewhere}").get_data(as_text=True)
    download = client.get(f"/reports/matrix/people.csv?area={elsewhere}").get_data(as_text=True)
    for body in (page, download):
        assert coordinator.name in body and other.name not in body
    assert client.get("/reports/national/totals.csv").status_code == 403  # the whole country is for staff


def test_a_coordinator_sees_no_one_elses_training_record(client, courses_dir):
    world = build_world(courses_dir)
    coordinator = world.people["coordinator"]
    act_as(client, coordinator)
    assert client.get(f"/reports/people/{coordinator.id}").status_code == 200
    assert client.get(f"/reports/people/{world.others['other'].id}").status_code == 403


def test_cancelling_ones_own_registration_leaves_everyone_elses(client, courses_dir):
    world = build_world(courses_dir)
    session, coordinator = world.others["session"], world.people["coordinator"]
    colleague = make_person("colleague@example.org", name="Colleague", area=world.others["home"])
    theirs = register_person(session, colleague, "en")

    act_as(client, coordinator)
    assert client.post(f"/sessions/{session.id}/cancel-registration").status_code == 302

    db.session.expire_all()
    assert registration_of(coordinator, session) is None
    assert db.session.get(Registration, theirs.id).status == RegistrationStatus.CONFIRMED


def test_a_link_opens_only_the_registration_and_the_purpose_it_was_made_for(client, courses_dir):
    world = build_world(courses_dir)
    manage = world.links["events.manage_registration"]
    join = world.links["events.join"]
    meeting_manage = world.links["meetings.registration_page"]
    material_id = world.values["material_id"]

    assert client.get(f"/registrations/{join}").status_code == 404  # a join link is no manage link
    assert client.get(f"/registrations/{join}/cancel").status_code == 404
    assert client.post(f"/registrations/{join}/offer").status_code == 404
    # a session's registration is no meeting registration, so it opens no meeting material
    assert client.get(f"/meetings/registration/{manage}").status_code == 404
    assert client.get(f"/meetings/registration/{manage}/materials/{material_id}").status_code == 404
    assert client.get(f"/meetings/registration/{meeting_manage}/materials/{material_id}").status_code == 200


def test_the_annual_meeting_is_registered_for_only_through_its_own_form(client, courses_dir):
    """The meeting's session is a session too; the sessions' register and guest forms must not
    take it, or a registration would skip the meeting's required questions."""
    world = build_world(courses_dir)
    meeting_session = find_edition(world.values["year"]).session
    colleague = make_person("colleague@example.org", name="Colleague", area=world.others["home"])

    act_as(client, colleague)
    assert client.post(f"/sessions/{meeting_session.id}/register").status_code == 404
    act_as(client, None)
    assert (
        client.post(
            f"/sessions/{meeting_session.id}/guest", data={"name": "Quick Guest", "email": "quick@example.org"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/sessions/{meeting_session.id}/resend-confirmation", data={"resend-email": "late@example.org"}
        ).status_code
        == 404
    )
    assert db.session.scalars(
        select(Registration.user_id).where(
            Registration.session_id == meeting_session.id, Registration.guest_email.is_(None)
        )
    ).all() == [world.people["coordinator"].id]
    assert db.session.scalar(select(Registration).where(Registration.guest_email == "quick@example.org")) is None


def test_a_programme_item_question_or_material_is_reached_only_under_its_own_edition(client, courses_dir):
    world = build_world(courses_dir)
    later, _items, _keys = make_meeting(year=2028, starts_at=datetime(2028, 5, 10, 6, 0, tzinfo=UTC))
    later_material = add_file_material(later)
    item, question, material = (world.values[name] for name in ("item_id", "question_id", "material_id"))

    act_as(client, world.people["admin"])
    for path in (
        f"/manage/meetings/2028/programme/{item}",
        f"/manage/meetings/2028/programme/{item}/delete",
        f"/manage/meetings/2028/questions/{question}",
        f"/manage/meetings/2028/materials/{material}/remove",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path
    act_as(client, world.people["coordinator"])  # registered for 2027 only
    assert client.get(f"/meetings/2027/materials/{later_material.id}").status_code == 404
    assert client.get(f"/meetings/2028/materials/{material}").status_code == 404
    act_as(client, None)
    token = world.links["meetings.registration_material"]
    assert client.get(f"/meetings/registration/{token}/materials/{later_material.id}").status_code == 404
    db.session.expire_all()
    assert item in {kept.id for kept in find_edition(2027).items}  # the refused POSTs removed nothing
    assert db.session.get(Material, material) is not None
