"""Rules the meeting services keep whoever calls them: a view, the CLI or a test."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kaiku_training.events.models import RegistrationStatus
from kaiku_training.extensions import db
from kaiku_training.meetings import services
from kaiku_training.meetings.models import Material, MeetingAnswer, MeetingEdition, ProgrammeItem
from tests.factories import make_user
from tests.meetings.factories import make_meeting


def test_an_edition_year_is_taken_once(app):
    edition, _items, _keys = make_meeting()
    with pytest.raises(services.EditionExists):
        services.create_edition(
            edition.year,
            {"title": {"fi": "Toinen"}, "starts_at": edition.session.starts_at, "ends_at": edition.session.ends_at},
        )
    assert db.session.scalar(select(db.func.count()).select_from(MeetingEdition)) == 1


def test_answers_cannot_change_once_registration_has_closed(app):
    edition, _items, keys = make_meeting()
    registration = services.register(edition, make_user(), "fi", {keys["diet"]: "o0"})
    edition.session.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(services.AnswersClosed):
        services.update_answers(registration, edition, {keys["diet"]: "o1"})
    assert services.answers_of(registration)[keys["diet"]] == "o0"


def test_answers_are_checked_when_they_are_changed(app):
    edition, _items, keys = make_meeting()
    registration = services.register(edition, make_user(), "fi", {keys["diet"]: "o0"})
    with pytest.raises(services.AnswerProblems):
        services.update_answers(registration, edition, {keys["diet"]: None})
    services.update_answers(registration, edition, {keys["diet"]: "o1"})
    assert services.answers_of(registration)[keys["diet"]] == "o1"


def test_feedback_is_kept_only_from_participants_while_the_form_is_open(app):
    edition, _items, keys = make_meeting()
    registration = services.register(edition, make_user(), "fi", {keys["diet"]: "o0"})
    assert registration.status == RegistrationStatus.CONFIRMED
    with pytest.raises(services.FeedbackClosed):
        services.save_feedback(edition, registration, {keys["useful"]: "o0"})
    edition.feedback_open = True
    db.session.commit()
    services.save_feedback(edition, registration, {keys["useful"]: "o0"})
    assert services.answers_of(registration)[keys["useful"]] == "o0"
    assert db.session.scalar(select(db.func.count()).select_from(MeetingAnswer)) > 0


def test_a_programme_item_ends_after_it_starts(app):
    edition, items, _keys = make_meeting()
    opening = items["opening"]
    with pytest.raises(services.ItemTimesRefused):
        services.save_item(edition, opening, {"starts_at": opening.starts_at, "ends_at": opening.starts_at})
    db.session.expire_all()
    assert db.session.get(ProgrammeItem, opening.id).ends_at > opening.starts_at


def test_a_material_is_a_link_or_a_file(app):
    edition, _items, _keys = make_meeting()
    with pytest.raises(services.MaterialIncomplete):
        services.add_material(edition, "Diat", None, None, None)
    assert db.session.scalar(select(Material)) is None
